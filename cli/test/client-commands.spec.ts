import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type {
  AppInfo,
  ClientInvokeOptions,
  CodeLoadFailure,
  InspectOptions,
  ProcessInfo,
  ProcessInfoPage,
  ProcessInspection,
  ProcessPageQuery,
  TimerDetails,
  TimerDetailsPage,
  TimerListQuery,
  VersionsReport,
} from '@praas/framework/internal';
import { parseCommandArgs } from '../src/args';
import {
  CLIENT_OPTIONS,
  deleteCommand,
  inspectCommand,
  INSPECT_OPTIONS,
  invokeCommand,
  INVOKE_OPTIONS,
  PS_OPTIONS,
  parseInvokeArgument,
  processTable,
  psCommand,
  swapCommand,
  versionsCommand,
  type GatewayClient,
} from '../src/commands/client-commands';
import { TIMERS_OPTIONS, timersCommand, timerTable } from '../src/commands/timer-commands';
import { DEFAULT_GATEWAY_URL, gatewayUrl } from '../src/gateway-url';
import { run } from '../src/main';
import { formatTable } from '../src/output/table';
import { UsageError } from '../src/usage-error';

const proc = (pid: string, extra: Partial<ProcessInfo> = {}): ProcessInfo => ({
  app: 'tally',
  pid,
  processClass: 'Counter',
  status: 'active',
  address: `praas.tally.p.${pid}`,
  generation: 0,
  ...extra,
});

const NOW = Date.UTC(2026, 0, 1);
const timerDetails = (pid: string, id: string, dueAtMs: number, extra: Partial<TimerDetails> = {}): TimerDetails => ({
  app: 'tally',
  pid,
  id,
  fn: 'tick',
  schedule: { kind: 'every', everyMs: 300_000, anchor: NOW, catchUp: 'once' },
  dueAt: new Date(dueAtMs).toISOString(),
  dueAtMs,
  attempt: 0,
  createdAt: new Date(NOW).toISOString(),
  payloadBytes: 4,
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
  /** Pages of `processes` in their order; the cursor is the index of the next one. */
  listProcessPage(app: string, query: ProcessPageQuery = {}): Promise<ProcessInfoPage> {
    this.calls.push(['listProcessPage', app, query]);
    const from = Number(query.cursor ?? 0);
    const to = from + (query.limit ?? 100);
    const processes = this.processes.filter((p) => query.status === undefined || p.status === query.status);
    return Promise.resolve({
      processes: processes.slice(from, to),
      ...(to < processes.length ? { cursor: String(to) } : {}),
    });
  }
  versions: VersionsReport = { app: 'tally', counts: [], failed: [], failedTotal: 0 };
  listVersions(app: string): Promise<VersionsReport> {
    this.calls.push(['listVersions', app]);
    return Promise.resolve(this.versions);
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
  timers: TimerDetails[] = [];
  /** Pages of `timers` in their order, of one pid when asked; the cursor is the index of the next one. */
  listTimers(app: string, query: TimerListQuery & { pid?: string } = {}): Promise<TimerDetailsPage> {
    this.calls.push(['listTimers', app, query]);
    const from = Number(query.cursor ?? 0);
    const to = from + (query.limit ?? 100);
    const timers = this.timers.filter((t) => query.pid === undefined || t.pid === query.pid);
    return Promise.resolve({ timers: timers.slice(from, to), ...(to < timers.length ? { cursor: String(to) } : {}) });
  }
  cancelTimer(app: string, pid: string, id: string): Promise<void> {
    this.calls.push(['cancelTimer', app, pid, id]);
    return Promise.resolve();
  }
  inspectProcess(app: string, pid: string, options?: InspectOptions): Promise<ProcessInspection> {
    this.calls.push(['inspectProcess', app, pid, options]);
    return Promise.resolve({
      ...proc(pid, { status: 'swapped', generation: 2 }),
      source: 'snapshot',
      takenAt: 0,
      fields: [{ name: 'total', preview: '42', bytes: 1, truncated: false }],
      keyed: [{ name: 'log', preview: '"aaaa', bytes: 900, truncated: true }],
      mailbox: { depth: 1, head: [{ from: 'client:x', key: 'note', preview: '"hi"', bytes: 3, truncated: false }] },
      triggers: [{ fn: 'gather', key: '7', count: 2, firstAt: 0 }],
    });
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
      proc('b-2', { status: 'swapped', generation: 4, version: 2, stateVersion: 3 }),
      proc('a-1', {
        host: 'host-1',
        version: 1,
        stateVersion: 1,
        upgradeError: { version: 2, code: 'MIGRATION_FAILED', message: 'Counter.up1 threw bad total' },
      }),
    ];
    assert.deepEqual(await capture((out) => psCommand(args('ps', ['tally']), gateway, out)), [
      'PID  CLASS    STATUS   VERSION  STATE  GENERATION  HOST',
      'a-1  Counter  active   1        1      0           host-1',
      'b-2  Counter  swapped  2        3      4           -',
      'a-1 stays on version 1: upgrade to 2 failed: MIGRATION_FAILED: Counter.up1 threw bad total',
    ]);
    const [json] = await capture((out) => psCommand(args('ps', ['tally', '--json']), gateway, out));
    assert.deepEqual(JSON.parse(json!), gateway.processes);
    gateway.processes = [];
    assert.deepEqual(await capture((out) => psCommand(args('ps', ['tally']), gateway, out)), [
      "application 'tally' has no processes",
    ]);
    assert.deepEqual(processTable([proc('x')])[1], 'x    Counter  active  -        -      0           -');
  });

  it('versions prints the processes per code and state version and the failed upgrades, or JSON', async function () {
    const gateway = new FakeGateway();
    gateway.versions = {
      app: 'tally',
      newest: 3,
      upgradeTo: 3,
      counts: [
        { version: 1, stateVersion: 1, processes: 2, active: 1 },
        { version: 3, stateVersion: 2, processes: 40, active: 12 },
      ],
      failed: [{ pid: 'c7', version: 3, code: 'STATE_VERSION_TOO_NEW', message: 'snapshot is version 2' }],
      failedTotal: 2,
    };
    assert.deepEqual(await capture((out) => versionsCommand(args('versions', ['tally']), gateway, out)), [
      "application 'tally': newest code version 3; older processes move to 3 at their next swap-in",
      'VERSION  STATE  PROCESSES  ACTIVE',
      '1        1      2          1',
      '3        2      40         12',
      '2 process(es) an upgrade could not move:',
      '  c7: version 3: STATE_VERSION_TOO_NEW: snapshot is version 2',
      '  ... and 1 more',
    ]);
    const [json] = await capture((out) => versionsCommand(args('versions', ['tally', '--json']), gateway, out));
    assert.deepEqual(JSON.parse(json!), gateway.versions);
    gateway.versions = { app: 'tally', counts: [], failed: [], failedTotal: 0 };
    assert.deepEqual(await capture((out) => versionsCommand(args('versions', ['tally']), gateway, out)), [
      "application 'tally': newest code version -",
      'no processes',
    ]);
    await assert.rejects(
      capture((out) => versionsCommand(args('versions', []), gateway, out)),
      /versions takes <app>, e.g. praas-framework versions my-app/,
    );
  });

  it('ps pages: one page with the command for the next, --all pages, filters, and a page as JSON', async function () {
    const gateway = new FakeGateway();
    gateway.processes = ['p1', 'p2', 'p3'].map((pid) => proc(pid, { status: pid === 'p2' ? 'swapped' : 'active' }));
    const ps = (...argv: string[]): Promise<string[]> =>
      capture((out) => psCommand(parseCommandArgs('ps', ['tally', ...argv], PS_OPTIONS), gateway, out));
    assert.deepEqual(await ps('--limit', '2'), [
      'PID  CLASS    STATUS   VERSION  STATE  GENERATION  HOST',
      'p1   Counter  active   -        -      0           -',
      'p2   Counter  swapped  -        -      0           -',
      'more: praas-framework ps tally --cursor 2',
    ]);
    assert.equal((await ps('--limit', '2', '--cursor', '2')).length, 2, 'the last page: a header and p3');
    assert.equal((await ps('--limit', '1', '--all')).length, 4, 'a header and three processes');
    assert.deepEqual((await ps('--status', 'swapped')).slice(1), [
      'p2   Counter  swapped  -        -      0           -',
    ]);
    assert.deepEqual(JSON.parse((await ps('--limit', '2', '--json'))[0]!), {
      processes: gateway.processes.slice(0, 2),
      cursor: '2',
    });
    assert.equal((JSON.parse((await ps('--json'))[0]!) as unknown[]).length, 3, 'without --limit: every process');
    await assert.rejects(ps('--limit', 'many'), /--limit must be a number from 1 to 1000, got 'many'/);
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

  it('inspect shows identity, fields, keyed state, mailbox and accumulations, and passes --max-chars', async function () {
    const gateway = new FakeGateway();
    const parsed = parseCommandArgs('inspect', ['tally', 'c1', '--max-chars', '5'], INSPECT_OPTIONS);
    assert.deepEqual(await capture((out) => inspectCommand(parsed, gateway, out)), [
      "process c1 of 'tally' (Counter): swapped, generation 2, from its committed snapshot",
      '@State fields:',
      '  total = 42',
      'keyed state:',
      '  log = "aaaa … (900 bytes)',
      'mailbox: 1 unread',
      '  note from client:x: "hi"',
      'pending trigger accumulations:',
      '  gather [7]: 2 message(s) since 1970-01-01T00:00:00.000Z',
    ]);
    assert.deepEqual(gateway.calls.at(-1), ['inspectProcess', 'tally', 'c1', { maxChars: 5 }]);
    await assert.rejects(
      inspectCommand(
        parseCommandArgs('inspect', ['tally', 'c1', '--max-chars', 'x'], INSPECT_OPTIONS),
        gateway,
        () => undefined,
      ),
      UsageError,
    );
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
    assert.match(
      err.join('\n'),
      /Unknown option '--bogus'; swap accepts --gateway VALUE, --token VALUE, --ca VALUE, --json/,
    );
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

describe('praas-framework timers', function () {
  const timers = (gateway: FakeGateway, ...argv: string[]): Promise<string[]> =>
    capture((out) => timersCommand(parseCommandArgs('timers', argv, TIMERS_OPTIONS), gateway, out));

  it('prints the timers as a table, the next due first, with schedule, attempts (and the firing retried), lease and payload size', function () {
    const rows = timerTable(
      [
        timerDetails('c2', 'later', NOW + 3_600_000),
        timerDetails('c1', 'nightly', NOW + 90_000, {
          schedule: { kind: 'cron', cron: '0 3 * * *', tz: 'Europe/Berlin', catchUp: 'skip' },
          key: 'nightly',
          attempt: 2,
          scheduledAt: '2026-01-01T00:01:20.000Z',
          scheduledAtMs: NOW + 80_000,
          lease: { holder: 'host-a', until: '2026-01-01T00:01:00.000Z', untilMs: NOW + 60_000 },
        }),
        timerDetails('c1', 'once', NOW - 5_000, { schedule: { kind: 'at', at: NOW - 5_000, catchUp: 'once' } }),
      ],
      NOW,
    );
    assert.deepEqual(rows, [
      'PID  ID       FN    NEXT DUE                  IN      SCHEDULE                                    ATTEMPT                                LEASE                                  PAYLOAD',
      'c1   once     tick  2025-12-31T23:59:55.000Z  5s ago  at 2025-12-31T23:59:55.000Z                 0                                      -                                      4 B',
      'c1   nightly  tick  2026-01-01T00:01:30.000Z  in 2m   cron 0 3 * * * Europe/Berlin (skip missed)  2 (retry of 2026-01-01T00:01:20.000Z)  host-a until 2026-01-01T00:01:00.000Z  4 B',
      'c2   later    tick  2026-01-01T01:00:00.000Z  in 1h   every 300000 ms                             0                                      -                                      4 B',
    ]);
  });

  it('lists a page of the application or of one process, names the next page, pages with --all, and as JSON', async function () {
    const gateway = new FakeGateway();
    gateway.timers = ['t1', 't2', 't3'].map((id, i) => timerDetails(i === 1 ? 'c2' : 'c1', id, NOW + i));
    const page = await timers(gateway, 'tally', '--limit', '2');
    assert.equal(page.length, 4, 'a header, two timers and the next page');
    assert.equal(page[3], 'more: praas-framework timers tally --cursor 2');
    assert.deepEqual(gateway.calls.at(-1), ['listTimers', 'tally', { limit: 2 }]);
    assert.equal((await timers(gateway, 'tally', '--limit', '1', '--all')).length, 4, 'a header and three timers');
    const own = await timers(gateway, 'tally', 'c1', '--limit', '1');
    assert.equal(own.at(-1), 'more: praas-framework timers tally c1 --cursor 1');
    assert.deepEqual(gateway.calls.at(-1), ['listTimers', 'tally', { limit: 1, pid: 'c1' }]);
    assert.deepEqual(JSON.parse((await timers(gateway, 'tally', '--json'))[0]!), gateway.timers);
    assert.deepEqual(JSON.parse((await timers(gateway, 'tally', '--limit', '2', '--json'))[0]!), {
      timers: gateway.timers.slice(0, 2),
      cursor: '2',
    });
    assert.deepEqual(await timers(gateway, 'tally', 'c3'), ["process c3 of 'tally' has no timers"]);
    gateway.timers = [];
    assert.deepEqual(await timers(gateway, 'tally'), ["application 'tally' has no timers"]);
  });

  it('cancels one timer, and refuses bad arguments as usage errors', async function () {
    const gateway = new FakeGateway();
    assert.deepEqual(await timers(gateway, 'cancel', 'tally', 'c1', 'nightly'), [
      "cancelled timer nightly of process c1 of 'tally'",
    ]);
    assert.deepEqual(gateway.calls, [['cancelTimer', 'tally', 'c1', 'nightly']]);
    assert.deepEqual(JSON.parse((await timers(gateway, 'cancel', 'tally', 'c1', 'x', '--json'))[0]!), {
      app: 'tally',
      pid: 'c1',
      id: 'x',
      cancelled: true,
    });
    await assert.rejects(timers(gateway), UsageError);
    await assert.rejects(timers(gateway, 'tally', 'c1', 'extra'), /timers takes <app> \[pid\]/);
    await assert.rejects(timers(gateway, 'tally', '--limit', 'x'), /--limit must be a number from 1 to 1000, got 'x'/);
    await assert.rejects(timers(gateway, 'cancel', 'tally', 'c1', 'a.b'), /invalid timer id "a.b"/);
    await assert.rejects(timers(gateway, 'cancel', 'tally', 'c1', 'x', '--all'), /timers cancel takes no --all/);
    await assert.rejects(timers(gateway, 'bad app'), /invalid application "bad app"/);
    assert.equal(gateway.calls.length, 2, 'nothing reached the gateway for the refused ones');
  });
});
