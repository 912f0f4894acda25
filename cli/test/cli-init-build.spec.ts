import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { run } from '../src/main';

const REPO_ROOT = resolve(__dirname, '..', '..', '..');

function node(args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    execFile(process.execPath, args, { cwd }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

describe('praas-framework init, then build', function () {
  this.timeout(60_000);
  let root: string;
  let dir: string;

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'praas-init-'));
    dir = join(root, 'tally');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('makes a project that builds, whose process runs on the embedded stack, and whose own test passes', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const say = (l: string) => out.push(l);
    const complain = (l: string) => err.push(l);
    assert.equal(await run(['init', dir], say, complain), 0, err.join('\n'));
    // The project resolves @praas/* and its tools through the monorepo's node_modules, not an install.
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    assert.equal(await run(['build', '--project', dir], say, complain), 0, err.join('\n'));

    const manifest = JSON.parse(readFileSync(join(dir, 'dist', 'praas.manifest.json'), 'utf8')) as {
      app: string;
      processes: { name: string; functions: { name: string }[]; state: { field: string }[] }[];
    };
    assert.equal(manifest.app, 'tally');
    assert.deepEqual(
      manifest.processes.map((p) => [p.name, p.functions.map((f) => f.name), p.state.map((s) => s.field)]),
      [['Counter', ['add', 'read'], ['total']]],
    );

    // The built module and its typed client, on the embedded stack, in this process.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Counter } = require(join(dir, 'dist', 'index.js')) as { Counter: new () => object };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { counterClient } = require(join(dir, 'dist', 'praas-client.js')) as {
      counterClient(
        praas: unknown,
        app: string,
        pid: string,
      ): {
        add(n: number): Promise<number>;
        read(_: null): Promise<unknown>;
      };
    };
    const { createEmbedded } = await import('@praas/embedded');
    const praas = await createEmbedded({ processes: [Counter] });
    try {
      await praas.createApp('tally');
      const { pid } = await praas.createProcess('tally');
      const counter = counterClient(praas, 'tally', pid);
      assert.equal(await counter.add(4), 4);
      await praas.swapProcess('tally', pid);
      assert.equal(await counter.add(1), 5);
      assert.deepEqual(await counter.read(null), { total: 5, additions: 2 });
    } finally {
      await praas.close();
    }

    // The project's own test, as `npm test` runs it: compile test/ and run mocha.
    const tsc = await node([join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'test'], dir);
    assert.equal(tsc.code, 0, tsc.output);
    const mocha = await node([join(REPO_ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js')], dir);
    assert.equal(mocha.code, 0, mocha.output);
    assert.match(mocha.output, /1 passing/);
  });
});
