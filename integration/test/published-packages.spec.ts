import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startRegistry, type RegistryService } from '@praas/test-services';

/*
 * The packages as a new user gets them: published to a real npm registry (verdaccio on a loopback
 * port, everything else proxied to the machine's registry), then used from a directory outside the
 * repository exactly as the README's quick start says.
 */

const REPO_ROOT = resolve(__dirname, '..', '..', '..');
/** In dependency order, so each one's dependencies are published before it. */
const PUBLISHED = ['framework', 'runtime', 'gateway', 'embedded', 'cli'];
/** What must never reach a production install of an application. */
const TEST_ONLY = ['@praas/test-services', 's3rver', 'testcontainers', 'mocha', 'fast-check', 'verdaccio'];

interface Ran {
  readonly code: number;
  readonly output: string;
}

function runCommand(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Ran> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', fail);
    child.once('close', (code, signal) => done({ code: code ?? (signal ? 128 : 1), output }));
  });
}

async function succeed(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  const { code, output } = await runCommand(command, args, cwd, env);
  assert.equal(code, 0, `${command} ${args.join(' ')} in ${cwd} failed with ${code}:\n${output.slice(-6_000)}`);
  return output;
}

/** Waits until `child` printed a line matching `pattern`; fails with its output when it exits first. */
function lineMatching(child: ChildProcess, pattern: RegExp, log: () => string): Promise<RegExpMatchArray> {
  return new Promise((done, fail) => {
    const check = (): void => {
      const match = log().match(pattern);
      if (match) {
        child.stdout?.off('data', check);
        child.off('close', exited);
        done(match);
      }
    };
    const exited = (code: number | null): void => fail(new Error(`exited with ${code} before ${pattern}:\n${log()}`));
    child.stdout?.on('data', check);
    child.once('close', exited);
    check();
  });
}

describe('published packages, used as a new user would (verdaccio)', function () {
  // Installs go through the registry with an empty npm cache: minutes, not seconds.
  this.timeout(900_000);
  let registry: RegistryService;
  let work: string;
  let env: NodeJS.ProcessEnv;
  let version: string;

  before(async () => {
    registry = await startRegistry();
    work = mkdtempSync(join(tmpdir(), 'praas-user-'));
    assert.ok(!resolve(work).startsWith(REPO_ROOT), 'the user directory is outside the repository');
    // A cache of its own, so that nothing installed or run by npx earlier is reused.
    env = registry.env({ ...process.env, npm_config_cache: join(work, '.npm-cache') });
    delete env['npm_config_workspace'];
    delete env['npm_config_workspaces'];
    version = (JSON.parse(readFileSync(join(REPO_ROOT, 'cli', 'package.json'), 'utf8')) as { version: string }).version;
  });

  after(async () => {
    await registry?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('publishes every package, all at one version, with the files each one needs', async () => {
    for (const dir of PUBLISHED) {
      const pkgDir = join(REPO_ROOT, dir);
      const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { name: string; version: string };
      assert.equal(pkg.version, version, `${pkg.name} is released in step`);
      const packed = JSON.parse(
        await succeed('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], pkgDir, env),
      ) as {
        size: number;
        unpackedSize: number;
        entryCount: number;
        files: { path: string }[];
      }[];
      const files = packed[0]!.files.map((f) => f.path);
      assert.ok(files.includes('LICENSE') && files.includes('README.md'), `${pkg.name} ships README and LICENSE`);
      assert.ok(!files.some((f) => /(^|\/)test\//.test(f) || f.endsWith('.tsbuildinfo')), `${pkg.name} ships no tests`);
      if (dir === 'gateway')
        for (const asset of ['ui/static/index.html', 'ui/static/style.css', 'dist/ui/src/main.mjs'])
          assert.ok(files.includes(asset), `the gateway ships the dashboard's ${asset}`);
      console.log(
        `      ${pkg.name}@${pkg.version}: ${packed[0]!.entryCount} files, ${packed[0]!.size} B packed, ${packed[0]!.unpackedSize} B unpacked`,
      );
      await succeed('npm', ['publish', '--registry', registry.url], pkgDir, env);
    }
  });

  it('init, install, test, build, dev answering a request, and the image install, outside the repository', async () => {
    await succeed('npx', ['--yes', 'praas-framework', 'init', 'my-app'], work, env);
    const app = join(work, 'my-app');
    const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    assert.deepEqual(pkg.dependencies, { '@praas/framework': version, 'praas-framework': version });

    await succeed('npm', ['install'], app, env);
    const tested = await succeed('npm', ['test'], app, env);
    assert.match(tested, /1 passing/);
    await succeed('npx', ['praas-framework', 'build'], app, env);
    assert.ok(existsSync(join(app, 'dist', 'Dockerfile')) && existsSync(join(app, 'dist', 'praas.manifest.json')));

    // dev: serves on the ports it prints; a REST invocation is answered; Ctrl+C stops it cleanly.
    // The project's own bin, as `npx praas-framework dev` and `npm run dev` run it, so that the exit
    // code seen is the CLI's and not that of npm around it.
    const devProcess = spawn(
      join(app, 'node_modules', '.bin', 'praas-framework'),
      ['dev', '--port', '0', '--grpc-port', '0'],
      { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let devLog = '';
    devProcess.stdout.on('data', (c: Buffer) => (devLog += c.toString()));
    devProcess.stderr.on('data', (c: Buffer) => (devLog += c.toString()));
    const closed = new Promise<number | null>((done) => devProcess.once('close', (code) => done(code)));
    try {
      // The gRPC line is printed after the REST one: once it is there, both are.
      await lineMatching(devProcess, /gRPC on 127\.0\.0\.1:\d+/, () => devLog);
      const url = /REST on (http:\/\/\S+)/.exec(devLog)?.[1];
      assert.ok(url, devLog);
      assert.match(devLog, /application 'my-app'/);
      const answer = await fetch(`${url}/v1/apps/my-app/invoke/add?class=Counter`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '2',
      });
      assert.equal(answer.status, 200, await answer.clone().text());
      assert.equal(await answer.json(), 2);
      // The dashboard comes with the installed gateway: its page and its compiled scripts.
      for (const path of ['/ui', '/ui/main.mjs', '/ui/style.css'])
        assert.equal((await fetch(`${url}${path}`)).status, 200, `${path} is served from the installed packages`);
    } finally {
      if (devProcess.exitCode === null) devProcess.kill('SIGINT');
    }
    assert.equal(await closed, 0, devLog);
    assert.match(devLog, /stopping: swapping every process out/);

    // What the generated Dockerfile does: package*.json, npm ci --omit=dev, then the build output.
    const image = join(work, 'image');
    mkdirSync(image);
    for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(app, f), join(image, f));
    await succeed('npm', ['ci', '--omit=dev'], image, env);
    cpSync(join(app, 'dist'), join(image, 'dist'), { recursive: true });
    const installed = await succeed('npm', ['ls', '--omit=dev', '--all', '--parseable'], image, env);
    for (const name of TEST_ONLY)
      assert.ok(!installed.includes(`/node_modules/${name}\n`), `${name} is not in the production install`);
    assert.equal((await succeed('npx', ['praas-framework', '--version'], image, env)).trim(), version);
    await succeed(process.execPath, ['-e', "require('./dist/index.js')"], image, env);
  });
});
