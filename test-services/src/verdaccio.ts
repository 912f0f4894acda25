import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from './free-port';

/** A private npm registry (verdaccio) on a loopback port, with a user allowed to publish. */
export interface RegistryService {
  /** Base URL, with a trailing slash, as npm's `registry` setting takes it. */
  readonly url: string;
  /** An npm user config file that points npm at this registry with the publishing user's token. */
  readonly npmrc: string;
  /** Environment for npm and npx child processes: this registry, its config, no audit or fund calls. */
  env(base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/** The packages this repository publishes: served only from the local storage, never proxied. */
const OWN_PACKAGES = ['@praas/*', 'praas-framework'];

/**
 * The registry the machine's npm uses: the verdaccio proxies everything else to it, so that a
 * generated project installs its third-party dependencies as it would from the public registry.
 */
function upstreamRegistry(): string {
  // Outside any workspace (npm refuses `config get` there), without the workspace settings an npm
  // script or npx passes down.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_workspaces?$/i.test(k)));
  const result = spawnSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8', cwd: tmpdir(), env });
  const url = result.stdout.trim();
  if (result.status !== 0 || !/^https?:\/\//.test(url))
    throw new Error(`cannot read npm's registry setting (npm config get registry): ${result.stderr || url}`);
  return url;
}

function configText(storage: string, htpasswd: string, upstream: string): string {
  const own = OWN_PACKAGES.map((p) => `  '${p}':\n    access: $all\n    publish: $authenticated\n`).join('');
  return [
    `storage: ${JSON.stringify(storage)}`,
    'uplinks:',
    '  upstream:',
    `    url: ${JSON.stringify(upstream)}`,
    '    timeout: 60s',
    'packages:',
    own + "  '**':\n    access: $all\n    proxy: upstream",
    'auth:',
    '  htpasswd:',
    `    file: ${JSON.stringify(htpasswd)}`,
    'log: { type: stdout, format: json, level: warn }',
    // The harness publishes tarballs of a few MiB at most.
    'max_body_size: 50mb',
    '',
  ].join('\n');
}

async function waitReady(proc: ChildProcess, url: string, log: () => string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (proc.exitCode !== null) throw new Error(`verdaccio exited with ${proc.exitCode}: ${log()}`);
    try {
      const res = await fetch(`${url}-/ping`);
      if (res.ok) return;
    } catch {
      // Not listening yet: the next round asks again.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`verdaccio did not answer at ${url} within ${timeoutMs} ms: ${log()}`);
}

/**
 * Starts verdaccio (the `verdaccio` package's bin, with Node 20) on a free loopback port with a
 * temporary storage and config, registers a publishing user, and writes an npm config for it.
 */
export async function startRegistry(): Promise<RegistryService> {
  const dir = mkdtempSync(join(tmpdir(), 'praas-registry-'));
  const config = join(dir, 'config.yaml');
  writeFileSync(config, configText(join(dir, 'storage'), join(dir, 'htpasswd'), upstreamRegistry()));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const bin = join(dirname(require.resolve('verdaccio/package.json')), 'bin', 'verdaccio');
  const proc = spawn(process.execPath, [bin, '--config', config, '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk: Buffer): void => {
    if (log.length < 20_000) log += chunk.toString();
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(proc, url, () => log);
    const res = await fetch(`${url}-/user/org.couchdb.user:praas-ci`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'praas-ci', password: 'praas-ci-password' }),
    });
    const body = (await res.json()) as { token?: string; error?: string };
    if (!res.ok || body.token === undefined)
      throw new Error(`verdaccio refused to add the publishing user: ${res.status} ${JSON.stringify(body)}`);
    const npmrc = join(dir, 'npmrc');
    writeFileSync(npmrc, `registry=${url}\n//127.0.0.1:${port}/:_authToken=${body.token}\n`);
    return {
      url,
      npmrc,
      env: (base = process.env) => ({
        ...base,
        npm_config_registry: url,
        npm_config_userconfig: npmrc,
        npm_config_audit: 'false',
        npm_config_fund: 'false',
        npm_config_update_notifier: 'false',
      }),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
