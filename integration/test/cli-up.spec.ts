import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PraasClient, UnauthenticatedError } from '@praas/framework/internal';
import { connectNats } from '@praas/framework/nats';
import { until } from './support/cli';

const REPO_ROOT = resolve(__dirname, '..', '..', '..');
/** The CLI as `npx praas-framework` runs it: its bin. */
const CLI_BIN = join(dirname(require.resolve('praas-framework/package.json')), 'bin', 'praas-framework.js');
const QUICKSTART = join(REPO_ROOT, 'samples', 'quickstart');

/** `praas-framework up` as an OS process, with everything it printed so far. */
interface UpProcess {
  readonly child: ChildProcess;
  output(): string;
  readonly exited: Promise<[number | null, NodeJS.Signals | null]>;
}

/** Starts `up` in a process group of its own, as a terminal runs a command (see `ctrlC`). */
function startUp(args: string[], env: NodeJS.ProcessEnv = process.env): UpProcess {
  const child = spawn(process.execPath, [CLI_BIN, 'up', ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return { child, output: () => output, exited };
}

/** What Ctrl+C in a terminal does: SIGINT to every process of the foreground process group. */
function ctrlC(up: UpProcess): void {
  process.kill(-up.child.pid!, 'SIGINT');
}

/** Waits for `up` to print that it runs, and returns its gateway URL and token. */
async function upAndRunning(up: UpProcess): Promise<{ url: string; token: string; out: string }> {
  await until(
    'up printed that it runs',
    () => Promise.resolve(/^running; /m.test(up.output()) || undefined),
    120_000,
    200,
  );
  const out = up.output();
  const url = /^ {2}gateway +REST (http:\/\/127\.0\.0\.1:\d+), gRPC 127\.0\.0\.1:\d+ \(pid \d+\)$/m.exec(out)?.[1];
  const token = /^ {2}token +(\S+) {2}\(admin; in /m.exec(out)?.[1];
  assert.ok(url && token, out);
  return { url, token, out };
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
}

describe('praas-framework up: a local stack without Docker, as an OS process', function () {
  this.timeout(180_000);
  let up: UpProcess | undefined;
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'praas-up-test-'));
  });

  afterEach(async () => {
    if (up !== undefined && up.child.exitCode === null && up.child.signalCode === null) {
      up.child.kill('SIGTERM');
      await up.exited;
    }
    up = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts nats-server, s3rver, a gateway and two hosts, answers a request with its token, and SIGTERM stops them all', async () => {
    // s3rver resolves from the repository (a dev dependency), as from a project that installed it.
    up = startUp([
      '--project',
      QUICKSTART,
      '--app',
      'quickstart',
      '--port',
      '0',
      '--grpc-port',
      '0',
      '--data-dir',
      dataDir,
    ]);
    const started = up;
    const { url, token, out } = await upAndRunning(started);
    assert.match(out, /^ {2}NATS +nats:\/\/127\.0\.0\.1:\d+ \(pid \d+\)$/m);
    assert.match(out, /^ {2}S3 +http:\/\/127\.0\.0\.1:\d+, bucket praas \(s3rver\) \(pid \d+\)$/m);
    // nats-server runs with users: the hosts' may use only their application's subjects.
    assert.match(out, /^ {2}NATS auth users praas-gateway and praas-app-quickstart /m);
    assert.equal(statSync(join(dataDir, 'nats.conf')).mode & 0o777, 0o600);
    const natsUrl = /^ {2}NATS +(nats:\/\/\S+)/m.exec(out)![1]!;
    await assert.rejects(connectNats({ servers: natsUrl, connectTimeoutMs: 3_000 }), UnauthenticatedError);
    const pids = [...out.matchAll(/\(pid (\d+)\)$/gm)].map((m) => Number(m[1]));
    assert.equal(pids.length, 5, `nats-server, s3rver, gateway and two hosts:\n${out}`);
    for (const pid of pids) assert.ok(running(pid), `pid ${pid} runs`);
    assert.ok(existsSync(join(dataDir, 'logs', 'gateway.log')));

    const client = new PraasClient({ url, token, gatewayEncoding: 'json' });
    try {
      const { pid } = await client.createProcess('quickstart', { processClass: 'Counter' });
      assert.equal(await client.invoke('quickstart', 'add', 5, { pid }), 5);
      assert.equal(await client.invoke('quickstart', 'add', 2, { pid }), 7);
      const hosts = new Set((await client.listProcesses('quickstart')).map((p) => p.host));
      assert.ok(
        [...hosts].every((h) => h === undefined || /^quickstart-host-[12]$/.test(h)),
        [...hosts].join(),
      );
    } finally {
      await client.close();
    }
    const anonymous = new PraasClient({ url });
    try {
      await assert.rejects(anonymous.listApps(), UnauthenticatedError);
    } finally {
      await anonymous.close();
    }

    started.child.kill('SIGTERM');
    const [code] = await started.exited;
    assert.equal(code, 0, started.output());
    assert.match(started.output(), /^praas up: stopped$/m);
    for (const pid of pids) assert.equal(running(pid), false, `pid ${pid} is gone after up stopped`);
  });

  it('stops cleanly on Ctrl+C: the hosts swap their processes out, and a new up on the same data directory has them back', async () => {
    const args = ['--project', QUICKSTART, '--app', 'quickstart', '--hosts', '1', '--port', '0', '--grpc-port', '0'];
    up = startUp([...args, '--data-dir', dataDir]);
    let stack = await upAndRunning(up);
    let client = new PraasClient({ url: stack.url, token: stack.token, gatewayEncoding: 'json' });
    let pid: string;
    try {
      pid = (await client.createProcess('quickstart', { processClass: 'Counter' })).pid;
      assert.equal(await client.invoke('quickstart', 'add', 5, { pid }), 5);
    } finally {
      await client.close();
    }
    ctrlC(up);
    const [code] = await up.exited;
    assert.equal(code, 0, up.output());

    up = startUp([...args, '--data-dir', dataDir]);
    stack = await upAndRunning(up);
    client = new PraasClient({ url: stack.url, token: stack.token, gatewayEncoding: 'json' });
    try {
      assert.equal(await client.invoke('quickstart', 'add', 1, { pid }), 6, 'the state swapped out at Ctrl+C is back');
    } finally {
      await client.close();
    }
  });

  it('says how to install nats-server when it is not on PATH, and starts nothing', async () => {
    // PATH holds only node's directory: no nats-server there.
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: dirname(process.execPath) };
    delete env['PRAAS_NATS_SERVER_BIN'];
    up = startUp(['--project', QUICKSTART, '--app', 'quickstart', '--data-dir', dataDir], env);
    const [code] = await up.exited;
    assert.equal(code, 1);
    assert.match(
      up.output(),
      /needs the nats-server binary on PATH, and found none\. Install it: apt-get install nats-server/,
    );
  });

  it('refuses to start for an application that was not built', async () => {
    up = startUp(['--project', dataDir, '--module', 'dist/index.js', '--app', 'nothing']);
    const [code] = await up.exited;
    assert.equal(code, 1);
    assert.match(up.output(), /does not exist: run praas-framework build \(or npm run build\) first/);
  });
});
