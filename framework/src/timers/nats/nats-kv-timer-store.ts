import { StorageType, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import { validateReplicas } from '../../config/nats-config';
import { InvalidArgumentError, UnavailableError } from '../../errors';
import { silentLogger, type Logger } from '../../logging/logger';
import { readKvEntries } from '../../registry/nats/kv-pages';
import { RegistryBucket } from '../../registry/nats/registry-bucket';
import { connectNats, type NatsConnectionOptions } from '../../transport/nats/nats-connection';
import { sweepKvMarkers, type KvMarkerSweep } from './kv-marker-sweep';
import { SlottedTimerStore, type TimerStoreOptions } from '../slotted-timer-store';
import type { TimerKv, TimerKvEntry } from '../timer-kv';
import type { TimerKvPage } from '../timer-pages';

/** Options of {@link NatsKvTimerStore}. */
export interface NatsKvTimerStoreOptions extends TimerStoreOptions {
  /** Prefix of the bucket name (default `praas_`): the bucket is `<prefix>timers`. */
  readonly bucketPrefix?: string;
  /** Timeout of KV operations (default 10 000 ms). */
  readonly timeoutMs?: number;
  /** JetStream replicas of the bucket when it creates it (default 1). */
  readonly replicas?: number;
  /** Where the store logs what it only reports, e.g. a page consumer it could not remove (default: nowhere). */
  readonly logger?: Logger;
  /**
   * Whether this connection's user may purge the bucket (default true). An application's NATS user
   * may not (see `appNatsPermissions`): its deletes then leave their deletion markers, which a
   * gateway's {@link NatsKvTimerStore.sweepDeleted} removes.
   */
  readonly purges?: boolean;
}

/** Options of {@link NatsKvTimerStore.connect}. */
export interface NatsKvTimerStoreConnectOptions extends NatsConnectionOptions, NatsKvTimerStoreOptions {}

const BUCKET_PREFIX = /^[A-Za-z0-9_-]*$/;
const decoder = new TextDecoder();

/** {@link TimerKv} over one JetStream KV bucket; timer keys are names and digits joined by '.', valid KV keys as they are. */
class NatsTimerKv implements TimerKv {
  constructor(
    private readonly bucket: RegistryBucket,
    private readonly purge: (filter: string, beforeRevision?: number) => Promise<unknown>,
    private readonly closeConnection: () => Promise<void>,
    private readonly paging: { js: JetStreamClient; jsm: JetStreamManager; logger: Logger },
    private readonly purges: boolean,
  ) {}

  async get(key: string): Promise<TimerKvEntry | undefined> {
    const found = await this.bucket.get<unknown>(key);
    return found && { key, value: found.record, revision: found.revision };
  }
  put(key: string, value: object): Promise<number> {
    return this.bucket.put(key, value);
  }
  compareAndSet(key: string, value: object, expectedRevision: number): Promise<number | undefined> {
    return this.bucket.compareAndSet(key, value, expectedRevision);
  }
  async delete(key: string, expectedRevision?: number): Promise<boolean> {
    if (expectedRevision !== undefined) return this.bucket.deleteAt(key, expectedRevision);
    await this.bucket.delete(key);
    return true;
  }
  async entries(filter: string): Promise<TimerKvEntry[]> {
    return (await this.bucket.entries<unknown>(filter)).map((e) => ({
      key: e.key,
      value: e.record,
      revision: e.revision,
    }));
  }
  /** A page through a short-lived consumer on the filter's subjects: see `readKvEntries` for its cost. */
  async page(filter: string, after: number, limit: number, scan: number): Promise<TimerKvPage> {
    const { js, jsm, logger } = this.paging;
    const page = await this.bucket.call('page listing', filter, () =>
      readKvEntries(
        js,
        jsm,
        this.bucket.name,
        filter,
        { after, limit, scan, filtered: false },
        (key, data, revision): TimerKvEntry => ({ key, value: JSON.parse(decoder.decode(data)) as unknown, revision }),
        logger,
      ),
    );
    return { entries: page.items, last: page.last, more: page.more };
  }
  /** Without the right to purge, the markers stay for a gateway's sweep (the cursor's slots are moved up all the same). */
  async forget(keyOrFilter: string): Promise<void> {
    if (!this.purges) return;
    if (keyOrFilter.endsWith('.>')) {
      await this.bucket.call('purge', keyOrFilter, () => this.purge(keyOrFilter));
      return;
    }
    const entry = await this.bucket.call('read', keyOrFilter, () => this.bucket.kv.get(keyOrFilter));
    if (entry === null || entry.operation === 'PUT') return;
    // Only up to the marker: a value written after it survives.
    await this.bucket.call('purge', keyOrFilter, () => this.purge(keyOrFilter, entry.revision + 1));
  }
  sweep(after: number, scan: number): Promise<KvMarkerSweep> {
    const { js, jsm, logger } = this.paging;
    return this.bucket.call('sweep of deletion markers', '>', () =>
      sweepKvMarkers(js, jsm, this.bucket.name, after, scan, logger),
    );
  }
  close(): Promise<void> {
    return this.closeConnection();
  }
}

/**
 * The timer store in one JetStream KV bucket (issue 19): timer records, the slotted due index and
 * the per-application cursor are keys of the bucket (see {@link SlottedTimerStore}), so every
 * gateway and host shares them and none holds them in memory. A listing of one due slot is a
 * subject-filtered watch, so it reads that slot's keys only.
 * @example
 * ```ts
 * const timers = await NatsKvTimerStore.connect({ servers: 'nats://127.0.0.1:4222' });
 * const due = await timers.due('demo', Date.now(), 100);
 * await timers.close();
 * ```
 */
export class NatsKvTimerStore extends SlottedTimerStore {
  private constructor(
    private readonly natsKv: NatsTimerKv,
    options: NatsKvTimerStoreOptions,
  ) {
    super(natsKv, options);
  }

  /** Connects to NATS and opens (creating when missing) the bucket; the store owns the connection. */
  static async connect(options: NatsKvTimerStoreConnectOptions): Promise<NatsKvTimerStore> {
    const nc = await connectNats({ ...options, name: options.name ?? 'praas-timers' });
    try {
      return await NatsKvTimerStore.openBucket(nc, options, true);
    } catch (e) {
      await nc.close();
      throw e;
    }
  }

  /**
   * Opens the store on a connection the caller keeps: `close` leaves it open.
   * @throws UnavailableError when the bucket cannot be opened or created (e.g. JetStream is off).
   */
  static open(nc: NatsConnection, options: NatsKvTimerStoreOptions = {}): Promise<NatsKvTimerStore> {
    return NatsKvTimerStore.openBucket(nc, options, false);
  }

  private static async openBucket(
    nc: NatsConnection,
    options: NatsKvTimerStoreOptions,
    ownsConnection: boolean,
  ): Promise<NatsKvTimerStore> {
    const prefix = options.bucketPrefix ?? 'praas_';
    if (!BUCKET_PREFIX.test(prefix)) {
      throw new InvalidArgumentError(
        `bucket prefix ${JSON.stringify(prefix)} may only contain letters, digits, '_' and '-'`,
      );
    }
    const timeout = options.timeoutMs ?? 10_000;
    const replicas = validateReplicas(options.replicas ?? 1, 'replicas');
    const name = `${prefix}timers`;
    let bucket: RegistryBucket;
    let jsm: JetStreamManager;
    const js = nc.jetstream({ timeout });
    try {
      const kv = await js.views.kv(name, { history: 1, storage: StorageType.File, replicas, timeout });
      bucket = new RegistryBucket(kv, name, timeout, 'timer store');
      jsm = await nc.jetstreamManager({ timeout });
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new UnavailableError(`cannot open the timer bucket '${name}' (is JetStream enabled?): ${reason}`, {
        cause,
      });
    }
    const close = async (): Promise<void> => {
      if (ownsConnection && !nc.isClosed()) await nc.drain();
    };
    // A KV bucket is the stream KV_<bucket> with one subject $KV.<bucket>.<key> per key.
    const purge = (filter: string, beforeRevision?: number): Promise<unknown> =>
      jsm.streams.purge(`KV_${name}`, {
        filter: `$KV.${name}.${filter}`,
        ...(beforeRevision === undefined ? {} : { seq: beforeRevision }),
      });
    const paging = { js, jsm, logger: options.logger ?? silentLogger };
    return new NatsKvTimerStore(new NatsTimerKv(bucket, purge, close, paging, options.purges ?? true), options);
  }

  /**
   * Removes the deletion markers written to the bucket after stream sequence `after` (looking at
   * up to `scan` entries), which deletes by users that may not purge left (see `purges`). A gateway
   * runs it over and over, each pass from the `last` of the one before.
   */
  sweepDeleted(after: number, scan = 10_000): Promise<KvMarkerSweep> {
    if (!Number.isSafeInteger(after) || after < 0) {
      throw new InvalidArgumentError(`after must be a non-negative integer, got ${String(after)}`);
    }
    if (!Number.isSafeInteger(scan) || scan < 1) {
      throw new InvalidArgumentError(`scan must be a positive integer, got ${String(scan)}`);
    }
    return this.natsKv.sweep(after, scan);
  }
}
