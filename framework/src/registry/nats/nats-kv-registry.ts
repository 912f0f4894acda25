import { ErrorCode, NatsError, StorageType, type JetStreamManager, type NatsConnection } from 'nats';
import { validateReplicas } from '../../config/nats-config';
import { InvalidArgumentError, PermissionDeniedError, UnavailableError } from '../../errors';
import { silentLogger, type Logger } from '../../logging/logger';
import type { Subscription } from '../../transport/transport';
import { connectNats, type NatsConnectionOptions } from '../../transport/nats/nats-connection';
import { ProcessWatch, type ProcessWatchSource } from './process-watch';
import { pageWalk } from '../process-pages';
import { readKvPage } from './kv-pages';
import { RegistryBucket } from './registry-bucket';
import {
  appKey,
  DEFAULT_BUCKET_PREFIX,
  hostKey,
  keysOf,
  processKey,
  registryBucketName,
  type RegistryBucketKind,
} from './registry-keys';
import type {
  AppRecord,
  HostRecord,
  ProcessEvent,
  ProcessPage,
  ProcessPageQuery,
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
   * JetStream replicas of the buckets it creates (default 1): 3 on a three-node cluster keeps the
   * registry readable and writable through the loss of any one node. Existing buckets keep theirs.
   */
  readonly replicas?: number;
  /**
   * Where failures nobody waits for are logged (default: nowhere): a process watch that lost its
   * consumer (`warn`, once per outage) and got it back (`info`), or whose listener threw (`error`).
   */
  readonly logger?: Logger;
}

/** Options of {@link NatsKvRegistry.connect}. */
export interface NatsKvRegistryConnectOptions extends NatsConnectionOptions, NatsKvRegistryOptions {}

const BUCKET_PREFIX = /^[A-Za-z0-9_-]*$/;

/**
 * The registry in JetStream KV (DESIGN §5): three buckets, for applications, processes and
 * runtime hosts. Host records carry a time-to-live, so a host that died without deregistering
 * vanishes after `hostTtlMs`; until then placement judges it by `heartbeatAt`. Several gateways
 * and hosts share one registry; `updateProcess` is a compare-and-set on the key's revision.
 * @example
 * ```ts
 * const registry = await NatsKvRegistry.connect({ servers: 'nats://127.0.0.1:4222' });
 * await putApp({ name: 'demo', incarnation: newId(), createdAt: Date.now(), processClasses: ['Counter'] });
 * await close();
 * ```
 */
export class NatsKvRegistry implements Registry {
  private readonly watches = new Set<{ stop(): void }>();
  private closed = false;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly ownsConnection: boolean,
    private readonly apps: RegistryBucket,
    private readonly processes: RegistryBucket,
    private readonly hosts: RegistryBucket,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

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
    const prefix = options.bucketPrefix ?? DEFAULT_BUCKET_PREFIX;
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
    const replicas = validateReplicas(options.replicas ?? 1, 'replicas');
    const js = nc.jetstream({ timeout });
    try {
      const bucket = async (kind: RegistryBucketKind, ttl?: number): Promise<RegistryBucket> => {
        const name = registryBucketName(prefix, kind);
        const kv = await js.views.kv(name, {
          history: 1,
          storage: StorageType.File,
          replicas,
          timeout,
          ...(ttl === undefined ? {} : { ttl }),
        });
        return new RegistryBucket(kv, name, timeout);
      };
      const [apps, processes, hosts] = await Promise.all([
        bucket('apps'),
        bucket('processes'),
        bucket('hosts', hostTtlMs),
      ]);
      return new NatsKvRegistry(nc, ownsConnection, apps, processes, hosts, timeout, options.logger ?? silentLogger);
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      if (cause instanceof NatsError && (cause.code as ErrorCode) === ErrorCode.PermissionsViolation) {
        // An application's NATS user may open the buckets, not create them.
        const hint = reason.includes('.STREAM.CREATE.')
          ? 'a gateway creates them, start one first'
          : "is the connection's inbox prefix its application's (appInboxPrefix)?";
        throw new PermissionDeniedError(`cannot open the registry buckets '${prefix}*': ${reason}; ${hint}`, { cause });
      }
      throw new UnavailableError(`cannot open the registry buckets '${prefix}*' (is JetStream enabled?): ${reason}`, {
        cause,
      });
    }
  }

  async putApp(record: AppRecord): Promise<void> {
    await this.apps.put(appKey(record.name), record);
  }
  async getApp(name: string): Promise<AppRecord | undefined> {
    return (await this.getAppVersioned(name))?.record;
  }
  async getAppVersioned(name: string): Promise<VersionedAppRecord | undefined> {
    return this.apps.get<AppRecord>(appKey(name));
  }
  updateApp(record: AppRecord, expectedRevision: number): Promise<number | undefined> {
    return this.apps.compareAndSet(appKey(record.name), record, expectedRevision);
  }
  async listApps(): Promise<AppRecord[]> {
    return this.apps.list<AppRecord>('>');
  }
  /**
   * Removes the application with all its process records (without process events, like the memory
   * registry); host records stay (see `Registry.deleteApp`).
   */
  async deleteApp(name: string): Promise<void> {
    await this.apps.delete(appKey(name));
    // Through the stream API, not a KV purge: the buckets take no rollup headers (see denyKvRollups).
    const filter = keysOf(name);
    await this.processes.call('purge', filter, async () =>
      (await this.manager()).streams.purge(`KV_${this.processes.name}`, {
        filter: `$KV.${this.processes.name}.${filter}`,
      }),
    );
  }

  async putProcess(record: ProcessRecord): Promise<void> {
    await this.processes.put(processKey(record.app, record.pid), record);
  }
  async getProcess(app: string, pid: string): Promise<ProcessRecord | undefined> {
    return (await this.getProcessVersioned(app, pid))?.record;
  }
  async getProcessVersioned(app: string, pid: string): Promise<VersionedProcessRecord | undefined> {
    return this.processes.get<ProcessRecord>(processKey(app, pid));
  }
  updateProcess(record: ProcessRecord, expectedRevision: number): Promise<number | undefined> {
    return this.processes.compareAndSet(processKey(record.app, record.pid), record, expectedRevision);
  }
  async listProcesses(app: string): Promise<ProcessRecord[]> {
    return this.processes.list<ProcessRecord>(keysOf(app));
  }
  /** See `Registry.listProcessPage`; how a page is read: `readKvPage`. */
  async listProcessPage(app: string, query?: ProcessPageQuery): Promise<ProcessPage> {
    const walk = pageWalk(query);
    const filter = keysOf(app);
    return this.processes.call('page listing', filter, async () =>
      readKvPage(
        this.nc.jetstream({ timeout: this.timeoutMs }),
        await this.manager(),
        this.processes.name,
        appKey(app),
        walk,
        this.logger,
      ),
    );
  }
  private jsm: Promise<JetStreamManager> | undefined;
  private manager(): Promise<JetStreamManager> {
    this.jsm ??= this.nc.jetstreamManager({ timeout: this.timeoutMs }).catch((e: unknown) => {
      this.jsm = undefined;
      throw e;
    });
    return this.jsm;
  }
  async deleteProcess(app: string, pid: string): Promise<void> {
    return this.processes.delete(processKey(app, pid));
  }

  /**
   * Calls `listener` for the changes of the application's process records, after the replay
   * `options` asks for (none: the changes from now on). Revisions are the sequence numbers of the
   * processes bucket. A resume replays every key changed after the revision (the bucket keeps each
   * key's newest entry, deletions included); it can only be impossible for a revision the bucket
   * has not reached (another registry's), which gets a snapshot instead. Without a replay the watch
   * starts after the bucket's last revision and reads none of the current records, so setting it up
   * costs the same whatever the size of the application (a host's direct routes start with one). A
   * deletion carries the last record the watch saw, with status `deleted` (only app and pid when it
   * saw none: without a replay, a process not written since the watch started).
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
    if (after !== undefined || replay === undefined) {
      const status = await this.processes.call('status', filter, () => this.processes.kv.status());
      const last = status.streamInfo.state.last_seq;
      // No replay: the changes after the last revision, so nothing of the present is read.
      if (replay === undefined) after = last;
      else if (after !== undefined && after > last) after = undefined;
    }
    const source: ProcessWatchSource = {
      app,
      logger: this.logger,
      watch: (watchOptions) =>
        this.processes.call('watch', filter, () => this.processes.kv.watch({ key: filter, ...watchOptions })),
      closed: () => this.closed,
      connectionClosed: () => this.nc.isClosed(),
    };
    const watch = await ProcessWatch.open(source, listener, options, after);
    this.watches.add(watch);
    watch.begin();
    return {
      unsubscribe: () => {
        this.watches.delete(watch);
        watch.stop();
        return Promise.resolve();
      },
    };
  }

  async putHost(record: HostRecord): Promise<void> {
    await this.hosts.put(hostKey(record.app, record.id), record);
  }
  async listHosts(app: string): Promise<HostRecord[]> {
    return this.hosts.list<HostRecord>(keysOf(app));
  }
  async deleteHost(app: string, id: string): Promise<void> {
    return this.hosts.delete(hostKey(app, id));
  }

  /** Stops the watches; closes the connection when the registry opened it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.watches) w.stop();
    this.watches.clear();
    if (this.ownsConnection && !this.nc.isClosed()) await this.nc.drain().catch(() => this.nc.close());
  }
}
