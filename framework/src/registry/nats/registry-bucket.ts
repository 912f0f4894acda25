import { ErrorCode, NatsError, type KV, type KvEntry } from 'nats';
import { InvalidArgumentError, PraasError, TimeoutError, UnavailableError } from '../../errors';
import { fromNatsError } from '../../transport/nats/nats-connection';
import { fromEntry, isValue, toBytes } from './kv-codec';

/** JetStream API error: the expected last sequence of a subject did not match (a lost compare-and-set). */
const WRONG_LAST_SEQUENCE = 10071;

const wrongLastSequence = (e: unknown): boolean =>
  (e as { api_error?: { err_code?: number } }).api_error?.err_code === WRONG_LAST_SEQUENCE;

/**
 * One KV bucket of the registry (and of the timer store), holding JSON records: its reads, writes and listings, with every
 * failure of the nats client turned into the framework's retryable errors naming bucket and key.
 */
export class RegistryBucket {
  constructor(
    readonly kv: KV,
    /** The bucket's name, for messages. */
    readonly name: string,
    private readonly timeoutMs: number,
    /** What the bucket belongs to, for messages (default `registry`; the timer store's says `timer store`). */
    private readonly role = 'registry',
  ) {}

  /** Writes `record` under `key`; returns the new revision. */
  async put(key: string, record: object): Promise<number> {
    return this.call('write', key, () => this.kv.put(key, toBytes(record)));
  }

  /** The record under `key` with its revision; undefined when the key has no value. */
  async get<T>(key: string): Promise<{ record: T; revision: number } | undefined> {
    const entry = await this.call('read', key, () => this.kv.get(key));
    return isValue(entry) ? { record: fromEntry<T>(entry), revision: entry.revision } : undefined;
  }

  async delete(key: string): Promise<void> {
    await this.call('deletion', key, () => this.kv.delete(key));
  }

  /** Deletes `key` only at `expectedRevision`; false when the key is at another revision. */
  async deleteAt(key: string, expectedRevision: number): Promise<boolean> {
    try {
      await this.kv.delete(key, { previousSeq: expectedRevision });
      return true;
    } catch (e) {
      if (wrongLastSequence(e)) return false;
      throw this.failure(e, 'deletion', key);
    }
  }

  /** The current record of every key matching `filter`, with its key and revision. */
  async entries<T>(filter: string): Promise<{ key: string; record: T; revision: number }[]> {
    return (await this.lastValues(filter)).map((e) => ({ key: e.key, record: fromEntry<T>(e), revision: e.revision }));
  }

  /** The current record of every key matching `filter`. */
  async list<T>(filter: string): Promise<T[]> {
    return (await this.lastValues(filter)).map((e) => fromEntry<T>(e));
  }

  /** Writes `value` under `key` only at `expectedRevision` (0: only when the key has no value). */
  async compareAndSet(key: string, value: object, expectedRevision: number): Promise<number | undefined> {
    if (!Number.isSafeInteger(expectedRevision) || expectedRevision < 0) {
      throw new InvalidArgumentError(
        `expectedRevision must be a non-negative integer, got ${String(expectedRevision)}`,
      );
    }
    try {
      return expectedRevision === 0
        ? await this.kv.create(key, toBytes(value))
        : await this.kv.update(key, toBytes(value), expectedRevision);
    } catch (e) {
      if (wrongLastSequence(e)) return undefined;
      throw this.failure(e, 'compare-and-set', key);
    }
  }

  /** Runs one KV operation and turns a failure of the nats client into the framework's errors. */
  async call<T>(operation: string, key: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      throw this.failure(e, operation, key);
    }
  }

  /**
   * The current value of every key matching `filter`: a watch that stops once it has replayed the
   * present. Every way it can fail ends in one rejection of the returned promise (never an
   * unhandled one): the watch cannot be set up, it breaks before it is complete, or it is too slow.
   */
  private async lastValues(filter: string): Promise<KvEntry[]> {
    let settle!: (failure?: PraasError) => void;
    const done = new Promise<void>((resolve, reject) => {
      settle = (failure) => (failure === undefined ? resolve() : reject(failure));
    });
    const values = new Map<string, KvEntry>();
    const iterator = await this.call('listing', filter, () =>
      this.kv.watch({ key: filter, initializedFn: () => settle() }),
    );
    const timer = setTimeout(
      () =>
        settle(
          new TimeoutError(`listing '${filter}' of the ${this.role} did not complete in ${this.timeoutMs} ms`, {
            bucket: this.name,
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
      () => settle(new UnavailableError(`listing '${filter}' of the ${this.role} ended before it was complete`)),
      (e: unknown) => settle(this.failure(e, 'listing', filter)),
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

  /**
   * A failed KV operation as a retryable TimeoutError or UnavailableError naming the bucket and
   * the key, never a raw NatsError (which a gateway could only answer with 500 INTERNAL).
   */
  private failure(error: unknown, operation: string, key: string): PraasError {
    if (error instanceof PraasError) return error;
    const what = `${this.role} ${operation} of '${key}' in the KV bucket '${this.name}'`;
    if (error instanceof NatsError && (error.code as ErrorCode) === ErrorCode.NoResponders) {
      // On a KV subject "no responders" means JetStream is not (yet) there: a restarting server.
      return new UnavailableError(`the ${what} found no JetStream to answer it (is NATS restarting?); try again`, {
        cause: error,
        details: { bucket: this.name, key },
      });
    }
    return fromNatsError(error, { subject: key, what, size: 0, timeoutMs: this.timeoutMs });
  }
}
