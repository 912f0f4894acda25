import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PraasClient, type ProcessInfo } from '@praas/framework/internal';
import { startStack, type GatewayProcess, type HostProcess, type Stack } from '../src';
import { cli, until } from './support/cli';

const REPO_ROOT = resolve(__dirname, '..', '..', '..');

/** Runs the CLI and fails with its error output unless it exits with 0. */
async function ok(...argv: string[]): Promise<string> {
  const r = await cli(...argv);
  assert.equal(r.code, 0, `praas-framework ${argv.join(' ')} failed:\n${r.err}`);
  return r.out;
}

describe('praas-framework as a new user runs it: init, build, deploy to a gateway, invoke, ps, swap', function () {
  let stack: Stack;
  let gateway: GatewayProcess | undefined;
  let host: HostProcess | undefined;
  let hostStarting: Promise<HostProcess> | undefined;
  let root: string;
  let project: string;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'praas-e2e-'));
    project = join(root, 'tally');
    stack = await startStack({ name: 'cli-e2e', s3: true, gateways: [{ s3: true }] });
    [gateway] = stack.gateways;
    // The host gets no module: it waits for the application's code, which only `deploy` provides.
    // The first test awaits it; the stack's stop() waits for it too.
    hostStarting = stack.spawnHost({
      app: 'tally',
      hostId: 'tally-host-1',
      env: { PRAAS_CODE_DIR: join(root, 'code-cache'), PRAAS_HEARTBEAT_MS: '200' },
      readyTimeoutMs: 90_000,
    });
  });

  after(async () => {
    await stack?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('deploys the built project to a host that had no code, and keeps state across a swap', async function () {
    this.timeout(180_000);
    await ok('init', project);
    // The project resolves @praas/* and its tools through the monorepo's node_modules, not an install.
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(project, 'node_modules'), 'dir');
    await ok('build', '--project', project);

    const deployed = await ok('deploy', '--gateway', gateway!.httpUrl, '--token', gateway!.token, '--project', project);
    assert.match(deployed, /^packing /m);
    assert.match(deployed, /^uploading \d+ bytes to http:\/\/127\.0\.0\.1:\d+$/m);
    assert.match(deployed, /^registered application 'tally' version 1 \(package 0\.1\.0\): Counter$/m);
    host = await hostStarting!;
    assert.match(host.output(), /waiting for the code of tally/);
    assert.match(host.output(), /serving tally on .* \(code version 1\)/);

    const url = gateway!.httpUrl;
    assert.equal(await ok('invoke', 'tally', 'add', '5', '--gateway', url, '--token', gateway!.token, '--json'), '5');
    const listed = JSON.parse(
      await ok('ps', 'tally', '--gateway', url, '--token', gateway!.token, '--json'),
    ) as ProcessInfo[];
    assert.equal(listed.length, 1);
    const pid = listed[0]!.pid;
    assert.deepEqual([listed[0]!.status, listed[0]!.version, listed[0]!.host], ['active', 1, 'tally-host-1']);
    const table = (await ok('ps', 'tally', '--gateway', url, '--token', gateway!.token)).split('\n');
    assert.match(table[0]!, /^PID\s+CLASS\s+STATUS\s+VERSION\s+STATE\s+GENERATION\s+HOST$/);
    assert.match(table[1]!, new RegExp(`^${pid}\\s+Counter\\s+active\\s+1\\s+1\\s+0\\s+tally-host-1$`));

    assert.match(
      await ok('swap', 'tally', pid, '--gateway', url, '--token', gateway!.token),
      new RegExp(`^process ${pid} of 'tally' is swapped`),
    );
    const swapped = JSON.parse(
      await ok('ps', 'tally', '--gateway', url, '--token', gateway!.token, '--json'),
    ) as ProcessInfo[];
    assert.equal(swapped[0]!.status, 'swapped');
    // Swapped back in on the next call, with the total it had.
    assert.equal(
      await ok('invoke', 'tally', 'add', '3', '--pid', pid, '--gateway', url, '--token', gateway!.token, '--json'),
      '8',
    );
    assert.deepEqual(
      JSON.parse(
        await ok('invoke', 'tally', 'read', 'null', '--pid', pid, '--gateway', url, '--token', gateway!.token),
      ),
      {
        total: 8,
        additions: 2,
      },
    );
  });

  it('runs new processes on a redeployed version; an existing one keeps its version while active and moves at its next swap-in (--upgrade idle, the default)', async function () {
    this.timeout(180_000);
    const url = gateway!.httpUrl;
    const [old] = JSON.parse(
      await ok('ps', 'tally', '--gateway', url, '--token', gateway!.token, '--json'),
    ) as ProcessInfo[];
    const source = join(project, 'src', 'index.ts');
    writeFileSync(source, readFileSync(source, 'utf8').replace('this.total += amount;', 'this.total += amount * 10;'));
    await ok('build', '--project', project);
    const deployed = await ok('deploy', '--gateway', url, '--token', gateway!.token, '--project', project);
    assert.match(deployed, /^registered application 'tally' version 2 /m);
    assert.match(deployed, /^existing processes move to version 2 the next time they swap in \(--upgrade idle\)$/m);
    await until('the host to load version 2', () =>
      Promise.resolve(host!.output().includes('loaded code version 2') || undefined),
    );

    const client = new PraasClient({ url, token: gateway!.token });
    const fresh = await client.createProcess('tally');
    assert.equal(fresh.version, 2);
    assert.equal(
      await ok(
        'invoke',
        'tally',
        'add',
        '2',
        '--pid',
        fresh.pid,
        '--gateway',
        url,
        '--token',
        gateway!.token,
        '--json',
      ),
      '20',
    );
    // The old process runs version 1 while it stays active; swapped out and in, version 2, with its total.
    assert.equal(
      await ok('invoke', 'tally', 'add', '1', '--pid', old!.pid, '--gateway', url, '--token', gateway!.token, '--json'),
      '9',
    );
    assert.equal((await client.getProcess('tally', old!.pid)).version, 1);
    await ok('swap', 'tally', old!.pid, '--gateway', url, '--token', gateway!.token);
    assert.equal(
      await ok('invoke', 'tally', 'add', '1', '--pid', old!.pid, '--gateway', url, '--token', gateway!.token, '--json'),
      '19',
    );
    const versions = (
      JSON.parse(await ok('ps', 'tally', '--gateway', url, '--token', gateway!.token, '--json')) as ProcessInfo[]
    )
      .map((p) => [p.pid, p.version])
      .sort();
    assert.deepEqual(
      versions,
      [
        [old!.pid, 2],
        [fresh.pid, 2],
      ].sort(),
    );
  });

  it('reports the gateway’s error code and exits with 1; deletes a process, then the application', async () => {
    const url = gateway!.httpUrl;
    const missing = await cli('invoke', 'nosuchapp', 'add', '1', '--gateway', url, '--token', gateway!.token);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /^praas-framework invoke: APPLICATION_NOT_FOUND: .*nosuchapp/);

    const [first] = JSON.parse(
      await ok('ps', 'tally', '--gateway', url, '--token', gateway!.token, '--json'),
    ) as ProcessInfo[];
    assert.equal(
      await ok('delete', 'tally', first!.pid, '--gateway', url, '--token', gateway!.token),
      `deleted process ${first!.pid} of 'tally'`,
    );
    const left = JSON.parse(
      await ok('ps', 'tally', '--gateway', url, '--token', gateway!.token, '--json'),
    ) as ProcessInfo[];
    assert.ok(!left.some((p) => p.pid === first!.pid));
    await ok('delete', 'tally', '--gateway', url, '--token', gateway!.token);
    const gone = await cli('ps', 'tally', '--gateway', url, '--token', gateway!.token);
    assert.equal(gone.code, 1);
    assert.match(gone.err, /APPLICATION_NOT_FOUND/);
  });
});
