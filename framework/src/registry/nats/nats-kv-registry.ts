import {
  ErrorCode,
  NatsError,
  StorageType,
  type KV,
  type KvEntry,
  type NatsConnection,
  type QueuedIterator,
} from 'nats';
import { InvalidArgumentError, LoopHealth, PraasError, TimeoutError, UnavailableError } from '../../errors';
import { silentLogger, type Logger } from '../../logging/logger';
import { validateName } from '../../wire/names';
import type { Subscription } from '../../transport/transport';
import { connectNats, fromNatsError, type NatsConnectionOptions } from '../../transport/nats/nats-connection';
import type {
  AppRecord,
  HostRecord,
  ProcessEvent,
  ProcessRecord,
  Registry,
  RegistryWatchOptions,
  VersionedAppRecord,
  VersionedProcessRecord,
} from '../registry';

/** Options of {@link NatsKvRegistry}. */
export interface NatsKvRegistryOptions {
  /** Prefix of the three bucket names (default `praas_`): `<prefix>apps`, `<prefix>processes`, `<prefix>hosts`. */
  readonly bucketPrefix?: string;
  /** A host record that is not refreshed by a heartbeat for this long disappears (default 30 000 ms). */
  readonly hostTtlMs?: number;
  /** Timeout of KV operations (default 10 000 ms). */
  readonly timeoutMs?: number;
  /**
   * Where failures nobody waits for are logged (default: nowhere): a process watch that lost its
   * consumer (`warn`, once per outage) and got it back (`info`), or whose listener threw (`error`).
   */
  readonly logger?: Logger;
}

/** Options of {@link NatsKvRegistry.connect}. */
export interface NatsKvRegistryConnectOptions extends NatsConnectionOptions, NatsKvRegistryOptions {}

/** JetStream API error: the expected last sequence of a subject did not match (a lost compare-and-set). */
const WRONG_LAST_SEQUENCE = 10071;
const BUCKET_PREFIX = /^[A-Za-z0-9_-]*$/;

/*
 * Every KV key of the registry is built here. Names never contain '.', so '.' separates the
 * application from the process or host, and `<app>.>` selects everything of one application.
 */
const appKey = (app: string): string => validateName('application', app);
const processKey = (app: string, pid: string): string =>
  `${validateName('application', app)}.${validateName('pid', pid)}`;
const hostKey = (app: string, id: string): string =>
  `${validateName('application', app)}.${validateName('host id', id)}`;
const keysOf = (app: string): string => `${validateName('application', app)}.>`;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const toBytes = (value: object): Uint8Array => encoder.encode(JSON.stringify(value));
const fromEntry = <T>(entry: KvEntry): T => JSON.parse(decoder.decode(entry.value)) as T;
const isValue = (entry: KvEntry | null): entry is KvEntry => entry !== null && entry.operation === 'PUT';
/** The first wait before a broken watch is re-established, and the longest (doubling in between). */
const REWATCH_FIRST_MS = 100;
const REWATCH_MAX_MS = 5_000;

/**
 * The registry in JetStream KV (DESIGN §5): three buckets, for applications, processes and
 * runtime hosts. Host records carry a time-to-live, so a host that died without deregistering
 * vanishes after `hostTtlMs`; until then placement judges it by `heartbeatAt`. Several gateways
 * and hosts share one registry; `updateProcess` is a compare-and-set on the key's revision.
 * @example
 * ```ts
 * const registry = await NatsKvRegistry.connect({ servers: 'nats://127.0.0.1:4222' });
 * await registry.putApp({ name: 'demo', incarnation: newId(), createdAt: Date.now(), processClasses: ['Counter'] });
 * await registry.close();
 * ```
 */
export class NatsKvRegistry implements Registry {
  private readonly watches = new Set<{ stop(): void }>();
  private closed = false;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly ownsConnection: boolean,
    private readonly apps: KV,
    private readonly processes: KV,
    private readonly hosts: KV,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
    private readonly prefix: string,
  ) {}

  /** The bucket's name, for messages. */
  private bucketOf(kv: KV): string {
    return `${this.prefix}${kv === this.apps ? 'apps' : kv === this.processes ? 'processes' : 'hosts'}`;
  }

  /** Connects to NATS and opens (creating when missing) the buckets; the registry owns the connection. */
  static async connect(options: NatsKvRegistryConnectOptions): Promise<NatsKvRegistry> {
    const nc = await connectNats({ ...options, name: options.name ?? 'praas-registry' });
    try {
      return await NatsKvRegistry.openBuckets(nc, options, true);
    } catch (e) {
      await nc.close();
      throw e;
    }
  }

  /**
   * Opens the registry on a connection the caller keeps: `close` leaves it open.
   * @throws UnavailableError when the buckets cannot be opened or created (e.g. JetStream is off).
   */
  static open(nc: NatsConnection, options: NatsKvRegistryOptions = {}): Promise<NatsKvRegistry> {
    return NatsKvRegistry.openBuckets(nc, options, false);
  }

  private static async openBuckets(
    nc: NatsConnection,
    options: NatsKvRegistryOptions,
    ownsConnection: boolean,
  ): Promise<NatsKvRegistry> {
    const prefix = options.bucketPrefix ?? 'praas_';
    if (!BUCKET_PREFIX.test(prefix)) {
      throw new InvalidArgumentError(
        `bucket prefix ${JSON.stringify(prefix)} may only contain letters, digits, '_' and '-'`,
      );
    }
    const hostTtlMs = options.hostTtlMs ?? 30_000;
    if (!(Number.isSafeInteger(hostTtlMs) && hostTtlMs >= 1_000)) {
      throw new InvalidArgumentError(`hostTtlMs must be an integer of at least 1000, got ${String(hostTtlMs)}`);
    }
    const timeout = options.timeoutMs ?? 10_000;
    const js = nc.jetstream({ timeout });
    try {
      const [apps, processes, hosts] = await Promise.all([
        js.views.kv(`${prefix}apps`, { history: 1, storage: StorageType.File, timeout }),
        js.views.kv(`${prefix}processes`, { history: 1, storage: StorageType.File, timeout }),
        js.views.kv(`${prefix}hosts`, { history: 1, storage: StorageType.File, ttl: hostTtlMs, timeout }),
      ]);
      return new NatsKvRegistry(
        nc,
        ownsConnection,
        apps,
        processes,
        hosts,
        timeout,
        options.logger ?? silentLogger,
        prefix,
      );
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new UnavailableError(`cannot open the registry buckets '${prefix}*' (is JetStream enabled?): ${reason}`, {
        cause,
      });
    }
  }

  async putApp(record: AppRecord): Promise<void> {
    const key = appKey(record.name);
    await this.call(this.apps, 'write', key, () => this.apps.put(key, toBytes(record)));
  }
  async getApp(name: string): Promise<AppRecord | undefined> {
    return (await this.getAppVersioned(name))?.record;
  }
  async getAppVersioned(name: string): Promise<VersionedAppRecord | undefined> {
    const key = appKey(name);
    const entry = await this.call(this.apps, 'read', key, () => this.apps.get(key));
    return isValue(entry) ? { record: fromEntry<AppRecord>(entry), revision: entry.revision } : undefined;
  }
  updateApp(record: AppRecord, expectedRevision: number): Promise<number | undefined> {
    return this.compareAndSet(this.apps, appKey(record.name), record, expectedRevision);
  }
  async listApps(): Promise<AppRecord[]> {
    return (await this.lastValues(this.apps, '>')).map((e) => fromEntry<AppRecord>(e));
  }
  /**
   * Removes the application with all its process records (without process events, like the memory
   * registry); host records stay (see `Registry.deleteApp`).
   */
  async deleteApp(name: string): Promise<void> {
    const key = appKey(name);
    await this.call(this.apps, 'deletion', key, () => this.apps.delete(key));
    await this.purgeKeys(this.processes, keysOf(name));
  }

  async putProcess(record: ProcessRecord): Promise<void> {
    const key = processKey(record.app, record.pid);
    await this.call(this.processes, 'write', key, () => this.processes.put(key, toBytes(record)));
  }
  async getProcess(app: string, pid: string): Promise<ProcessRecord | undefined> {
    return (await this.getProcessVersioned(app, pid))?.record;
  }
  async getProcessVersioned(app: string, pid: string): Promise<VersionedProcessRecord | undefined> {
    const key = processKey(app, pid);
    const entry = await this.call(this.processes, 'read', key, () => this.processes.get(key));
    return isValue(entry) ? { record: fromEntry<ProcessRecord>(entry), revision: entry.revision } : undefined;
  }
  updateProcess(record: ProcessRecord, expectedRevision: number): Promise<number | undefined> {
    return this.compareAndSet(this.processes, processKey(record.app, record.pid), record, expectedRevision);
  }
  async listProcesses(app: string): Promise<ProcessRecord[]> {
    return (await this.lastValues(this.processes, keysOf(app))).map((e) => fromEntry<ProcessRecord>(e));
  }
  async deleteProcess(app: string, pid: string): Promise<void> {
    const key = processKey(app, pid);
    await this.call(this.processes, 'deletion', key, () => this.processes.delete(key));
  }

  /**
   * Calls `listener` for the changes of the application's process records, after the replay
   * `options` asks for (none: the changes from now on). Revisions are the sequence numbers of the
   * processes bucket. A resume replays every key changed after the revision (the bucket keeps each
   * key's newest entry, deletions included); it can only be impossible for a revision the bucket
   * has not reached (another registry's), which gets a snapshot instead. A deletion carries the last
   * record the watch knew, with status `deleted` (only app and pid when the watch never saw it).
   * The watch outlives NATS restarts: when its consumer is lost it is re-established with backoff
   * from the revision after the last one seen, so no change in between is missed (a key changed
   * twice meanwhile reports its newest record); the loss and the recovery are logged once each.
   * @throws TimeoutError or UnavailableError when the watch cannot be set up.
   */
  async watchProcesses(
    app: string,
    listener: (event: ProcessEvent) => void,
    options: RegistryWatchOptions = {},
  ): Promise<Subscription> {
    const filter = keysOf(app);
    const replay = options.replay;
    let after = replay === undefined || replay === 'snapshot' ? undefined : replay.afterRevision;
    if (after !== undefined && (!Number.isSafeInteger(after) || after < 0))
      throw new InvalidArgumentError(`afterRevision must be a non-negative integer, got ${String(after)}`);
    if (after !== undefined) {
      const status = await this.call(this.processes, 'status', filter, () => this.processes.status());
      if (after > status.streamInfo.state.last_seq) after = undefined;
    }
    const snapshot = replay !== undefined && after === undefined;
    const known = new Map<string, ProcessRecord>();
    // The replay ends when the watch is initialized. nats.js reports that either in order with the
    // entries (after the watch started), or at once when every replayed entry is already queued:
    // then it ends after as many entries as were received. A watch re-established before the end
    // of its replay goes on with it, and ends it the same way.
    let syncAfter: number | undefined;
    let synced = false;
    let consumed = 0;
    const sync = (): void => {
      if (synced) return;
      synced = true;
      options.onSynced?.();
    };
    let lastRevision = after ?? 0;
    let stopped = false;
    let wake: (() => void) | undefined;
    const health = new LoopHealth(`the watch of the processes of '${app}'`, this.logger);
    // Without a replay the current records are read too, silently: a later deletion then carries
    // the last record of the process.
    const open = async (resumeFrom: number | undefined): Promise<QueuedIterator<KvEntry>> => {
      let started = false;
      syncAfter = undefined;
      consumed = 0;
      const opened = await this.call(this.processes, 'watch', filter, () =>
        this.processes.watch({
          key: filter,
          ...(resumeFrom === undefined ? {} : { resumeFromRevision: resumeFrom }),
          initializedFn: () => {
            if (started) sync();
            else syncAfter = -1;
          },
        }),
      );
      started = true;
      if (syncAfter === -1) syncAfter = opened.getReceived();
      return opened;
    };
    const deliver = (entry: KvEntry): void => {
      consumed++;
      lastRevision = Math.max(lastRevision, entry.revision);
      const pid = entry.key.slice(entry.key.indexOf('.') + 1);
      const replaying = !synced;
      if (entry.operation === 'PUT') {
        const record = fromEntry<ProcessRecord>(entry);
        known.set(pid, record);
        if (!replaying || replay !== undefined) listener({ type: 'put', record, revision: entry.revision });
      } else {
        const last = known.get(pid);
        known.delete(pid);
        // A snapshot is what exists: a deletion in it is news to nobody.
        if (!replaying || (replay !== undefined && !snapshot)) {
          const updatedAt = entry.created.getTime();
          const record: ProcessRecord = last
            ? { ...last, status: 'deleted', updatedAt }
            : { app, pid, processClass: '', status: 'deleted', generation: 0, updatedAt };
          listener({ type: 'deleted', record, revision: entry.revision });
        }
      }
      if (syncAfter !== undefined && syncAfter > 0 && consumed >= syncAfter) sync();
    };
    let iterator = await open(after === undefined ? undefined : after + 1);
    const handle = {
      stop: () => {
        stopped = true;
        iterator.stop();
        wake?.();
      },
    };
    this.watches.add(handle);
    if (snapshot) options.onSnapshot?.();
    if (syncAfter === 0) sync();
    const gone = (): boolean => stopped || this.closed || this.nc.isClosed();
    void (async () => {
      for (;;) {
        try {
          for await (const entry of iterator) deliver(entry);
          if (gone()) return;
          health.failed(new UnavailableError('the watch ended while it was still wanted'));
        } catch (e) {
          if (gone()) return;
          health.failed(e);
        }
        // Re-established with backoff until it works or the watch is no longer wanted.
        for (let wait = REWATCH_FIRST_MS; ; wait = Math.min(wait * 2, REWATCH_MAX_MS)) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, wait).unref();
          });
          wake = undefined;
          if (gone()) return;
          try {
            iterator = await open(lastRevision + 1);
            if (gone()) iterator.stop();
            break;
          } catch (e) {
            health.failed(e);
          }
        }
        if (gone()) return;
        if (syncAfter === 0) sync();
        health.succeeded();
      }
    })().catch((e: unknown) => {
      // Only a listener that throws gets here: the watch cannot go on without losing its events.
      if (!this.closed)
        this.logger.error('the process watch stopped: its listener threw; it gets no more changes', { app, err: e });
      handle.stop();
    });
    return {
      unsubscribe: () => {
        this.watches.delete(handle);
        handle.stop();
        return Promise.resolve();
      },
    };
  }

  async putHost(record: HostRecord): Promise<void> {
    const key = hostKey(record.app, record.id);
    await this.call(this.hosts, 'write', key, () => this.hosts.put(key, toBytes(record)));
  }
  async listHosts(app: string): Promise<HostRecord[]> {
    return (await this.lastValues(this.hosts, keysOf(app))).map((e) => fromEntry<HostRecord>(e));
  }
  async deleteHost(app: string, id: string): Promise<void> {
    const key = hostKey(app, id);
    await this.call(this.hosts, 'deletion', key, () => this.hosts.delete(key));
  }

  /** Stops the watches; closes the connection when the registry opened it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.watches) w.stop();
    this.watches.clear();
    if (this.ownsConnection && !this.nc.isClosed()) await this.nc.drain().catch(() => this.nc.close());
  }

  /**
   * The current value of every key matching `filter`: a watch that stops once it has replayed the
   * present. Every way it can fail ends in one rejection of the returned promise (never an
   * unhandled one): the watch cannot be set up, it breaks before it is complete, or it is too slow.
   */
  private async lastValues(kv: KV, filter: string): Promise<KvEntry[]> {
    let settle!: (failure?: PraasError) => void;
    const done = new Promise<void>((resolve, reject) => {
      settle = (failure) => (failure === undefined ? resolve() : reject(failure));
    });
    const values = new Map<string, KvEntry>();
    const iterator = await this.call(kv, 'listing', filter, () =>
      kv.watch({ key: filter, initializedFn: () => settle() }),
    );
    const timer = setTimeout(
      () =>
        settle(
          new TimeoutError(`listing '${filter}' of the registry did not complete in ${this.timeoutMs} ms`, {
            bucket: this.bucketOf(kv),
            filter,
          }),
        ),
      this.timeoutMs,
    );
    const collecting = (async () => {
      for await (const entry of iterator) {
        if (entry.operation === 'PUT') values.set(entry.key, entry);
        else values.delete(entry.key);
      }
    })().then(
      () => settle(new UnavailableError(`listing '${filter}' of the registry ended before it was complete`)),
      (e: unknown) => settle(this.failure(e, kv, 'listing', filter)),
    );
    try {
      await done;
    } finally {
      clearTimeout(timer);
      iterator.stop();
      await collecting;
    }
    return [...values.values()];
  }

  /** Writes `value` under `key` only at `expectedRevision` (0: only when the key has no value). */
  private async compareAndSet(
    kv: KV,
    key: string,
    value: object,
    expectedRevision: number,
  ): Promise<number | undefined> {
    if (!Number.isSafeInteger(expectedRevision) || expectedRevision < 0) {
      throw new InvalidArgumentError(
        `expectedRevision must be a non-negative integer, got ${String(expectedRevision)}`,
      );
    }
    try {
      return expectedRevision === 0
        ? await kv.create(key, toBytes(value))
        : await kv.update(key, toBytes(value), expectedRevision);
    } catch (e) {
      if ((e as { api_error?: { err_code?: number } }).api_error?.err_code === WRONG_LAST_SEQUENCE) return undefined;
      throw this.failure(e, kv, 'compare-and-set', key);
    }
  }

  private async purgeKeys(kv: KV, filter: string): Promise<void> {
    const keys: string[] = [];
    await this.call(kv, 'listing', filter, async () => {
      for await (const key of await kv.keys(filter)) keys.push(key);
    });
    for (const key of keys) await this.call(kv, 'purge', key, () => kv.purge(key));
  }

  /** Runs one KV operation and turns a failure of the nats client into the framework's errors. */
  private async call<T>(kv: KV, operation: string, key: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      throw this.failure(e, kv, operation, key);
    }
  }

  /**
   * A failed KV operation as a retryable TimeoutError or UnavailableError naming the bucket and
   * the key, never a raw NatsError (which a gateway could only answer with 500 INTERNAL).
   */
  private failure(error: unknown, kv: KV, operation: string, key: string): PraasError {
    if (error instanceof PraasError) return error;
    const what = `registry ${operation} of '${key}' in the KV bucket '${this.bucketOf(kv)}'`;
    if (error instanceof NatsError && (error.code as ErrorCode) === ErrorCode.NoResponders) {
      // On a KV subject "no responders" means JetStream is not (yet) there: a restarting server.
      return new UnavailableError(`the ${what} found no JetStream to answer it (is NATS restarting?); try again`, {
        cause: error,
        details: { bucket: this.bucketOf(kv), key },
      });
    }
    return fromNatsError(error, { subject: key, what, size: 0, timeoutMs: this.timeoutMs });
  }
}
