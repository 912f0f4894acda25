import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { AppInfo, ClientInvokeOptions, CodeLoadFailure, ProcessInfo } from '../../src';
import { parseCommandArgs } from '../../src/cli/args';
import {
  CLIENT_OPTIONS,
  deleteCommand,
  invokeCommand,
  INVOKE_OPTIONS,
  parseInvokeArgument,
  processTable,
  psCommand,
  swapCommand,
  type GatewayClient,
} from '../../src/cli/commands/client-commands';
import { DEFAULT_GATEWAY_URL, gatewayUrl } from '../../src/cli/gateway-url';
import { run } from '../../src/cli/main';
import { formatTable } from '../../src/cli/output/table';
import { UsageError } from '../../src/cli/usage-error';

const proc = (pid: string, extra: Partial<ProcessInfo> = {}): ProcessInfo => ({
  app: 'tally',
  pid,
  processClass: 'Counter',
  status: 'active',
  address: `praas.tally.p.${pid}`,
  generation: 0,
  ...extra,
});

/** A gateway stand-in that records calls and answers from fixed data. */
class FakeGateway implements GatewayClient {
  readonly calls: unknown[][] = [];
  result: unknown = 5;
  processes: ProcessInfo[] = [];
  codeErrors: CodeLoadFailure[] = [];
  getApp(app: string): Promise<AppInfo> {
    this.calls.push(['getApp', app]);
    return Promise.resolve({
      name: app,
      processClasses: ['Counter'],
      createdAt: 1,
      ...(this.codeErrors.length ? { codeErrors: this.codeErrors } : {}),
    });
  }
  invoke<R>(app: string, fn: string, data?: unknown, options?: ClientInvokeOptions): Promise<R> {
    this.calls.push(['invoke', app, fn, data, options]);
    return Promise.resolve(this.result as R);
  }
  listProcesses(app: string): Promise<ProcessInfo[]> {
    this.calls.push(['listProcesses', app]);
    return Promise.resolve(this.processes);
  }
  swapProcess(app: string, pid: string): Promise<ProcessInfo> {
    this.calls.push(['swapProcess', app, pid]);
    return Promise.resolve(proc(pid, { status: 'swapped', generation: 3 }));
  }
  deleteProcess(app: string, pid: string): Promise<void> {
    this.calls.push(['deleteProcess', app, pid]);
    return Promise.resolve();
  }
  deleteApp(app: string): Promise<void> {
    this.calls.push(['deleteApp', app]);
    return Promise.resolve();
  }
}

const args = (command: string, argv: string[], extra = {}) =>
  parseCommandArgs(command, argv, { ...CLIENT_OPTIONS, ...extra });
const INVOKE = INVOKE_OPTIONS;

async function capture(f: (out: (l: string) => void) => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  await f((l) => lines.push(l));
  return lines;
}

describe('praas-framework invoke, ps, swap, delete', function () {
  it('invoke passes the JSON argument, pid and key, and prints the result as JSON', async function () {
    const gateway = new FakeGateway();
    gateway.result = { total: 8, additions: 2 };
    const text = await capture((out) =>
      invokeCommand(args('invoke', ['tally', 'add', '{"n":3}', '--pid', 'c1', '--key', 'k1'], INVOKE), gateway, out),
    );
    assert.deepEqual(gateway.calls, [['invoke', 'tally', 'add', { n: 3 }, { pid: 'c1', key: 'k1' }]]);
    assert.deepEqual(text, ['{\n  "total": 8,\n  "additions": 2\n}']);
    const json = await capture((out) =>
      invokeCommand(args('invoke', ['tally', 'read', '--json'], INVOKE), gateway, out),
    );
    assert.deepEqual(json, ['{"total":8,"additions":2}']);
    assert.deepEqual(gateway.calls[1], ['invoke', 'tally', 'read', undefined, {}]);
    gateway.result = undefined;
    assert.deepEqual(await capture((out) => invokeCommand(args('invoke', ['tally', 'reset'], INVOKE), gateway, out)), [
      '(no result)',
    ]);
    assert.deepEqual(
      await capture((out) => invokeCommand(args('invoke', ['tally', 'reset', '--json'], INVOKE), gateway, out)),
      ['null'],
    );
  });

  it('invoke --class names the class of the process to pick or create, and refuses --class with --pid', async function () {
    const gateway = new FakeGateway();
    await capture((out) => invokeCommand(args('invoke', ['shop', 'get', '--class', 'Cart'], INVOKE), gateway, out));
    assert.deepEqual(gateway.calls, [['invoke', 'shop', 'get', undefined, { processClass: 'Cart' }]]);
    await assert.rejects(
      invokeCommand(args('invoke', ['shop', 'get', '--class', 'Cart', '--pid', 'c1'], INVOKE), gateway, () => {}),
      (e: unknown) => e instanceof UsageError && /--pid or --class, not both/.test(e.message),
    );
    await assert.rejects(
      invokeCommand(args('invoke', ['shop', 'get', '--class', 'no.class'], INVOKE), gateway, () => {}),
      UsageError,
    );
    assert.equal(gateway.calls.length, 1);
  });

  it('invoke refuses an argument that is not JSON, and missing or invalid names, as usage errors', async function () {
    assert.throws(
      () => parseInvokeArgument('hello'),
      (e: unknown) => e instanceof UsageError && /is not JSON/.test(e.message),
    );
    assert.equal(parseInvokeArgument('"hello"'), 'hello');
    const gateway = new FakeGateway();
    await assert.rejects(
      invokeCommand(args('invoke', ['tally'], INVOKE), gateway, () => {}),
      /invoke takes <app> <fn> \[json\]/,
    );
    await assert.rejects(
      invokeCommand(args('invoke', ['tally', 'a.b'], INVOKE), gateway, () => {}),
      UsageError,
    );
    await assert.rejects(
      invokeCommand(args('invoke', ['tally', 'add', '1', '--pid', 'x y'], INVOKE), gateway, () => {}),
      UsageError,
    );
    assert.deepEqual(gateway.calls, []);
  });

  it('ps prints a table sorted by pid, or the processes as JSON', async function () {
    const gateway = new FakeGateway();
    gateway.processes = [
      proc('b-2', { status: 'swapped', generation: 4, version: 2 }),
      proc('a-1', { host: 'host-1', version: 1 }),
    ];
    assert.deepEqual(await capture((out) => psCommand(args('ps', ['tally']), gateway, out)), [
      'PID  CLASS    STATUS   VERSION  GENERATION  HOST',
      'a-1  Counter  active   1        0           host-1',
      'b-2  Counter  swapped  2        4           -',
    ]);
    const [json] = await capture((out) => psCommand(args('ps', ['tally', '--json']), gateway, out));
    assert.deepEqual(JSON.parse(json!), gateway.processes);
    gateway.processes = [];
    assert.deepEqual(await capture((out) => psCommand(args('ps', ['tally']), gateway, out)), [
      "application 'tally' has no processes",
    ]);
    assert.deepEqual(processTable([proc('x')])[1], 'x    Counter  active  -        0           -');
  });

  it('ps names the hosts that cannot load the application’s code, with the reason', async function () {
    const gateway = new FakeGateway();
    gateway.codeErrors = [
      { host: 'h1', version: 2, message: "cannot load dist/index.js: Cannot find module 'left-pad'" },
      { host: 'h2', version: 2, message: 'LEDGER_URL is not set' },
    ];
    assert.deepEqual(await capture((out) => psCommand(args('ps', ['tally']), gateway, out)), [
      "application 'tally' has no processes",
      "host h1 cannot load code version 2: cannot load dist/index.js: Cannot find module 'left-pad'",
      'host h2 cannot load code version 2: LEDGER_URL is not set',
    ]);
    const [json] = await capture((out) => psCommand(args('ps', ['tally', '--json']), gateway, out));
    assert.deepEqual(JSON.parse(json!), [], '--json prints the processes only');
  });

  it('swap and delete name what they did', async function () {
    const gateway = new FakeGateway();
    assert.deepEqual(await capture((out) => swapCommand(args('swap', ['tally', 'c1']), gateway, out)), [
      "process c1 of 'tally' is swapped (snapshot generation 3)",
    ]);
    assert.deepEqual(await capture((out) => deleteCommand(args('delete', ['tally', 'c1']), gateway, out)), [
      "deleted process c1 of 'tally'",
    ]);
    assert.deepEqual(await capture((out) => deleteCommand(args('delete', ['tally', '--json']), gateway, out)), [
      '{"app":"tally","deleted":true}',
    ]);
    assert.deepEqual(gateway.calls, [
      ['swapProcess', 'tally', 'c1'],
      ['deleteProcess', 'tally', 'c1'],
      ['deleteApp', 'tally'],
    ]);
    await assert.rejects(
      swapCommand(args('swap', ['tally']), gateway, () => {}),
      /swap takes <app> <pid>/,
    );
    await assert.rejects(
      deleteCommand(args('delete', ['a', 'b', 'c']), gateway, () => {}),
      /delete takes <app> \[pid\]/,
    );
  });

  it('finds the gateway in --gateway, then PRAAS_GATEWAY_URL, then the local default', function () {
    assert.equal(gatewayUrl('http://gw:9000', { PRAAS_GATEWAY_URL: 'http://env:1' }), 'http://gw:9000');
    assert.equal(gatewayUrl(undefined, { PRAAS_GATEWAY_URL: 'http://env:1' }), 'http://env:1');
    assert.equal(gatewayUrl(undefined, {}), DEFAULT_GATEWAY_URL);
    assert.throws(() => gatewayUrl('gw:9000', {}), UsageError);
    assert.throws(() => gatewayUrl('nats://gw:4222', {}), /http: or https:/);
  });

  it('exits 2 on usage errors and 1 with the error code when the gateway cannot be reached', async function () {
    const err: string[] = [];
    const code = (argv: string[]) =>
      run(
        argv,
        () => {},
        (l) => err.push(l),
      );
    assert.equal(await code(['ps']), 2);
    assert.equal(await code(['invoke', 'tally', 'add', 'not-json', '--gateway', 'http://127.0.0.1:9']), 2);
    assert.equal(await code(['swap', 'tally', 'c1', '--bogus']), 2);
    assert.match(err.join('\n'), /Unknown option '--bogus'; swap accepts --gateway VALUE, --json/);
    err.length = 0;
    // A loopback port that was just free: nothing listens, the connection is refused at once.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    assert.equal(await code(['ps', 'tally', '--gateway', `http://127.0.0.1:${port}`]), 1);
    assert.match(err[0]!, /^praas-framework ps: UNAVAILABLE: cannot reach the gateway at http:\/\/127\.0\.0\.1:\d+/);
  });

  it('pads table columns to their widest cell', function () {
    assert.deepEqual(formatTable(['A', 'LONG'], [['wide-cell', 'x']]), ['A          LONG', 'wide-cell  x']);
  });
});
