import assert from 'node:assert/strict';
import { ErrorCode, NatsError, type KvEntry, type KvWatchOptions, type NatsConnection } from 'nats';
import {
  MemoryLogger,
  TimeoutError,
  UnavailableError,
  type LogFields,
  type ProcessEvent,
  type ProcessRecord,
} from '../../src/internal';
import { NatsKvRegistry } from '../../src/nats';

const TIMEOUT_MS = 1234;
const natsError = (code: ErrorCode, message: string = code): NatsError => new NatsError(message, code);

/** A KV watch the test feeds: entries, errors, and the point where the replay of the present ends. */
class FakeWatch {
  private readonly queue: (KvEntry | Error | 'initialized')[] = [];
  private wake: (() => void) | undefined;
  stopped = false;

  constructor(readonly options: KvWatchOptions) {}

  push(...items: (KvEntry | Error | 'initialized')[]): void {
    this.queue.push(...items);
    this.wake?.();
  }

  getReceived(): number {
    return 0;
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<KvEntry> {
    for (;;) {
      for (let item = this.queue.shift(); item !== undefined; item = this.queue.shift()) {
        if (item === 'initialized') this.options.initializedFn?.();
        else if (item instanceof Error) throw item;
        else yield item;
      }
      if (this.stopped) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}

/** A KV bucket whose operations fail as the test says, and whose watches the test drives. */
class FakeKv {
  failure: Error | undefined;
  readonly watches: FakeWatch[] = [];
  /** Failures for the next watch() calls, one each. */
  readonly watchFailures: Error[] = [];
  private readonly fail = (): Promise<never> => Promise.reject(this.failure ?? new Error('not faked'));
  put = this.fail;
  get = this.fail;
  delete = this.fail;
  purge = this.fail;
  create = this.fail;
  update = this.fail;
  keys = this.fail;
  status = this.fail;
  watch(options: KvWatchOptions): Promise<FakeWatch> {
    const failure = this.watchFailures.shift() ?? this.failure;
    if (failure) return Promise.reject(failure);
    const watch = new FakeWatch(options);
    this.watches.push(watch);
    return Promise.resolve(watch);
  }
}

const bytes = (value: object): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
const record = (pid: string, status: ProcessRecord['status'] = 'active'): ProcessRecord => ({
  app: 'shop',
  pid,
  processClass: 'Cart',
  status,
  generation: 0,
  updatedAt: 1,
});
const entry = (revision: number, value: ProcessRecord): KvEntry => ({
  bucket: 'praas_processes',
  key: `${value.app}.${value.pid}`,
  value: bytes(value),
  created: new Date(revision),
  revision,
  operation: 'PUT',
  length: 0,
  json: () => value as never,
  string: () => JSON.stringify(value),
});

/** A logger that keeps `message: error message` lines of warn records and up, and info records. */
class LineLogger extends MemoryLogger {
  constructor(private readonly lines: string[]) {
    super();
  }
  override warn(message: string, fields?: LogFields): void {
    const err = fields?.['err'];
    this.lines.push(`${message}${err instanceof Error ? `: ${err.message}` : ''}`);
  }
  override info(message: string): void {
    this.lines.push(message);
  }
  override error(message: string, fields?: LogFields): void {
    this.warn(message, fields);
  }
}

async function openRegistry(log: string[] = []): Promise<{ registry: NatsKvRegistry; kv: Record<string, FakeKv> }> {
  const kv: Record<string, FakeKv> = { apps: new FakeKv(), processes: new FakeKv(), hosts: new FakeKv() };
  const connection = {
    isClosed: () => false,
    jetstream: () => ({ views: { kv: (name: string) => Promise.resolve(kv[name.replace('praas_', '')]) } }),
  } as unknown as NatsConnection;
  const registry = await NatsKvRegistry.open(connection, {
    timeoutMs: TIMEOUT_MS,
    logger: new LineLogger(log),
  });
  return { registry, kv };
}

/** Makes the bucket's status answer that its last revision is `seq`. */
function lastRevision(bucket: FakeKv, seq: number): void {
  (bucket as unknown as { status: () => Promise<unknown> }).status = () =>
    Promise.resolve({ streamInfo: { state: { last_seq: seq } } });
}

/** Polls until `check` holds; the test fails by mocha's timeout if it never does. */
async function eventually(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 2));
}

describe('NatsKvRegistry when NATS fails', () => {
  it('turns a NATS timeout of any operation into a retryable TimeoutError naming the operation, key, bucket and timeout', async () => {
    const { registry, kv } = await openRegistry();
    for (const bucket of Object.values(kv)) bucket.failure = natsError(ErrorCode.Timeout);
    const app = { name: 'shop', incarnation: 'i1', createdAt: 0, processClasses: ['Cart'] };
    const host = { id: 'h1', app: 'shop', startedAt: 0, heartbeatAt: 0, activeProcesses: 0 };
    const operations: [string, () => Promise<unknown>, RegExp][] = [
      ['putApp', () => registry.putApp(app), /registry write of 'shop' in the KV bucket 'praas_apps'/],
      ['getApp', () => registry.getApp('shop'), /registry read of 'shop' in the KV bucket 'praas_apps'/],
      [
        'getAppVersioned',
        () => registry.getAppVersioned('shop'),
        /registry read of 'shop' in the KV bucket 'praas_apps'/,
      ],
      [
        'updateApp',
        () => registry.updateApp(app, 2),
        /registry compare-and-set of 'shop' in the KV bucket 'praas_apps'/,
      ],
      ['listApps', () => registry.listApps(), /registry listing of '>' in the KV bucket 'praas_apps'/],
      ['deleteApp', () => registry.deleteApp('shop'), /registry deletion of 'shop'/],
      [
        'putProcess',
        () => registry.putProcess(record('p1')),
        /registry write of 'shop.p1' in the KV bucket 'praas_processes'/,
      ],
      ['getProcess', () => registry.getProcess('shop', 'p1'), /registry read of 'shop.p1'/],
      ['updateProcess', () => registry.updateProcess(record('p1'), 3), /registry compare-and-set of 'shop.p1'/],
      [
        'listProcesses',
        () => registry.listProcesses('shop'),
        /registry listing of 'shop.>' in the KV bucket 'praas_processes'/,
      ],
      ['deleteProcess', () => registry.deleteProcess('shop', 'p1'), /registry deletion of 'shop.p1'/],
      ['putHost', () => registry.putHost(host), /registry write of 'shop.h1' in the KV bucket 'praas_hosts'/],
      ['deleteHost', () => registry.deleteHost('shop', 'h1'), /registry deletion of 'shop.h1'/],
      ['watchProcesses', () => registry.watchProcesses('shop', () => undefined), /registry status of 'shop.>'/],
      [
        'watchProcesses (snapshot)',
        () => registry.watchProcesses('shop', () => undefined, { replay: 'snapshot' }),
        /registry watch of 'shop.>'/,
      ],
      [
        'watchProcesses (resume)',
        () => registry.watchProcesses('shop', () => undefined, { replay: { afterRevision: 4 } }),
        /registry status of 'shop.>' in the KV bucket 'praas_processes'/,
      ],
    ];
    for (const [name, run, names] of operations) {
      await assert.rejects(run(), (e: unknown) => {
        assert.ok(e instanceof TimeoutError, `${name}: ${String(e)}`);
        assert.equal(e.retryable, true);
        assert.match(e.message, names, name);
        assert.match(e.message, new RegExp(`within ${TIMEOUT_MS} ms`), name);
        return true;
      });
    }
  });

  it('reports "no responders" on a KV subject as an UnavailableError: JetStream is not there (yet)', async () => {
    const { registry, kv } = await openRegistry();
    kv['processes']!.failure = natsError(ErrorCode.NoResponders);
    await assert.rejects(registry.getProcess('shop', 'p1'), (e: unknown) => {
      assert.ok(e instanceof UnavailableError, String(e));
      assert.match(e.message, /registry read of 'shop.p1' in the KV bucket 'praas_processes' found no JetStream/);
      return true;
    });
    kv['hosts']!.failure = natsError(ErrorCode.ConnectionClosed);
    await assert.rejects(registry.putHost({ id: 'h', app: 'shop', startedAt: 0, heartbeatAt: 0, activeProcesses: 0 }), {
      name: 'UnavailableError',
      code: 'UNAVAILABLE',
    });
  });

  it('fails a listing whose watch breaks half-way with one rejection, never an unhandled one', async () => {
    const { registry, kv } = await openRegistry();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const listing = registry.listProcesses('shop');
      await eventually(() => kv['processes']!.watches.length === 1);
      const watch = kv['processes']!.watches[0]!;
      watch.push(entry(1, record('p1')), natsError(ErrorCode.RequestError, 'unable to recreate ordered consumer'));
      await assert.rejects(listing, (e: unknown) => {
        assert.ok(e instanceof UnavailableError, String(e));
        assert.match(e.message, /registry listing of 'shop.>'.*unable to recreate ordered consumer/);
        return true;
      });
      assert.ok(watch.stopped);
      // A listing that never completes its replay fails at the registry's timeout.
      const slow = registry.listApps();
      await assert.rejects(slow, (e: unknown) => e instanceof TimeoutError && e.message.includes(`${TIMEOUT_MS} ms`));
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('starts a watch without a replay after the last revision: it reads none of the current records', async () => {
    const { registry, kv } = await openRegistry();
    const processes = kv['processes']!;
    lastRevision(processes, 40_000);
    const events: [string, string, string, number][] = [];
    let synced = 0;
    const subscription = await registry.watchProcesses(
      'shop',
      (e) => events.push([e.type, e.record.pid, e.record.processClass, e.revision]),
      { onSynced: () => synced++ },
    );
    const watch = processes.watches[0]!;
    assert.equal(watch.options.resumeFromRevision, 40_001);
    // A change written while the consumer was being created is one of the changes after the watch started.
    watch.push(entry(40_001, record('p1')), 'initialized', entry(40_002, record('p2')));
    watch.push(
      { ...entry(40_003, record('p1')), operation: 'DEL' },
      { ...entry(40_004, record('old')), operation: 'DEL' },
    );
    await eventually(() => events.length === 4);
    assert.deepEqual(events, [
      ['put', 'p1', 'Cart', 40_001],
      ['put', 'p2', 'Cart', 40_002],
      // The last record seen of p1; of a process not written since the watch started, only its pid.
      ['deleted', 'p1', 'Cart', 40_003],
      ['deleted', 'old', '', 40_004],
    ]);
    assert.equal(synced, 0);
    await subscription.unsubscribe();
    await registry.close();
  });

  it('re-establishes a broken process watch from the revision after the last one seen, and logs the outage once', async () => {
    const log: string[] = [];
    const { registry, kv } = await openRegistry(log);
    const processes = kv['processes']!;
    lastRevision(processes, 1);
    const events: ProcessEvent[] = [];
    const subscription = await registry.watchProcesses('shop', (e) => events.push(e));
    const first = processes.watches[0]!;
    assert.equal(first.options.resumeFromRevision, 2);
    // A change arrives, then the consumer is lost.
    first.push('initialized', entry(2, record('p2')));
    await eventually(() => events.length === 1);
    // Re-creating it fails once more (NATS still restarting), then works.
    processes.watchFailures.push(natsError(ErrorCode.Timeout));
    first.push(natsError(ErrorCode.RequestError, 'unable to recreate ordered consumer'));
    await eventually(() => processes.watches.length === 2);
    const second = processes.watches[1]!;
    assert.equal(second.options.resumeFromRevision, 3);
    second.push(entry(5, record('p1', 'swapped')));
    await eventually(() => events.length === 2);
    assert.deepEqual(
      events.map((e) => [e.type, e.record.pid, e.record.status]),
      [
        ['put', 'p2', 'active'],
        ['put', 'p1', 'swapped'],
      ],
    );
    assert.equal(log.length, 2, log.join('\n'));
    assert.match(log[0]!, /^the watch of the processes of 'shop' failed; it keeps retrying: .*ordered consumer/);
    assert.match(log[1]!, /^the watch of the processes of 'shop' works again, after 2 failed rounds$/);
    await subscription.unsubscribe();
    assert.ok(second.stopped);
    await registry.close();
  });

  it('re-establishes a resumed watch after its replay from the last revision seen, and syncs once', async () => {
    const { registry, kv } = await openRegistry();
    const processes = kv['processes']!;
    lastRevision(processes, 10);
    const events: [string, string, number | undefined][] = [];
    let synced = 0;
    const subscription = await registry.watchProcesses('shop', (e) => events.push([e.type, e.record.pid, e.revision]), {
      replay: { afterRevision: 4 },
      onSynced: () => synced++,
    });
    const first = processes.watches[0]!;
    assert.equal(first.options.resumeFromRevision, 5);
    // The replay breaks before it is complete: the new watch goes on after the last entry delivered.
    first.push(entry(6, record('p1')), natsError(ErrorCode.RequestError, 'unable to recreate ordered consumer'));
    await eventually(() => processes.watches.length === 2);
    const second = processes.watches[1]!;
    assert.equal(second.options.resumeFromRevision, 7);
    assert.equal(synced, 0);
    second.push(entry(8, record('p2')), 'initialized', entry(9, record('p3')));
    await eventually(() => events.length === 3);
    assert.equal(synced, 1);
    assert.deepEqual(events, [
      ['put', 'p1', 6],
      ['put', 'p2', 8],
      ['put', 'p3', 9],
    ]);
    await subscription.unsubscribe();
    await registry.close();
  });

  it('stops re-establishing a watch once it is unsubscribed', async () => {
    const { registry, kv } = await openRegistry();
    const processes = kv['processes']!;
    lastRevision(processes, 0);
    const subscription = await registry.watchProcesses('shop', () => undefined);
    processes.watches[0]!.push('initialized');
    processes.failure = natsError(ErrorCode.Timeout); // Every re-creation fails.
    processes.watches[0]!.push(natsError(ErrorCode.Timeout));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await subscription.unsubscribe();
    processes.failure = undefined;
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(processes.watches.length, 1);
  });
});
