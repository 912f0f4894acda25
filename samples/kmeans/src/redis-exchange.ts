import Redis from 'ioredis';
import type { WorkerPart } from './kmeans-math';
import { partBytes, partFromBytes, runKMeansWithExchange, type PartialExchange } from './exchange';
import type { KMeansOptions, KMeansRun } from './run-kmeans';

/** Where the Redis exchange connects. */
export interface RedisExchangeOptions {
  /** e.g. `redis://127.0.0.1:6379` (the default). */
  readonly url?: string;
  /** Keys expire after this many seconds, so an aborted run leaves nothing behind for long (default 600). */
  readonly ttlSeconds?: number;
  /** How long a worker waits for the others in one epoch (default 60 s). */
  readonly waitTimeoutSeconds?: number;
}

/**
 * Exchanges partial sums through Redis: a worker stores its part (`SET`), counts itself in
 * (`INCR`); the last one in releases everyone by pushing one token per worker; each worker blocks
 * on the token list (`BLPOP`, on its own connection) and then reads all parts (`MGET`).
 */
export class RedisExchange implements PartialExchange {
  private readonly url: string;
  private readonly ttl: number;
  private readonly waitTimeout: number;
  private readonly commands: Redis;
  /** One connection per concurrently blocked worker: a blocked connection serves nothing else. */
  private readonly blocking: Redis[] = [];

  constructor(options: RedisExchangeOptions = {}) {
    this.url = options.url ?? 'redis://127.0.0.1:6379';
    this.ttl = options.ttlSeconds ?? 600;
    this.waitTimeout = options.waitTimeoutSeconds ?? 60;
    this.commands = this.connect();
  }

  async exchange(run: string, epoch: number, workers: number, part: WorkerPart): Promise<WorkerPart[]> {
    const base = `praas-kmeans:${run}:${epoch}`;
    await this.commands.set(`${base}:part:${part.worker}`, partBytes(part.packed), 'EX', this.ttl);
    const arrived = await this.commands.incr(`${base}:count`);
    if (arrived === 1) await this.commands.expire(`${base}:count`, this.ttl);
    if (arrived === workers) {
      await this.commands
        .multi()
        .rpush(`${base}:go`, ...Array.from({ length: workers }, () => '1'))
        .expire(`${base}:go`, this.ttl)
        .exec();
    }
    const released = await this.blocker(part.worker).blpop(`${base}:go`, this.waitTimeout);
    if (!released)
      throw new Error(`epoch ${epoch} of ${run}: not all ${workers} workers arrived within ${this.waitTimeout} s`);
    const keys = Array.from({ length: workers }, (_, w) => `${base}:part:${w}`);
    const values = await this.commands.mgetBuffer(...keys);
    return values.map((bytes, worker) => {
      if (!bytes) throw new Error(`epoch ${epoch} of ${run}: the part of worker ${worker} is missing`);
      return { worker, packed: partFromBytes(bytes) };
    });
  }

  async cleanup(run: string, epochs: number, workers: number): Promise<void> {
    const keys: string[] = [];
    for (let e = 1; e <= epochs; e++) {
      const base = `praas-kmeans:${run}:${e}`;
      keys.push(`${base}:count`, `${base}:go`, ...Array.from({ length: workers }, (_, w) => `${base}:part:${w}`));
    }
    await this.commands.del(...keys);
  }

  /** Disconnects every connection. */
  async close(): Promise<void> {
    await Promise.all([this.commands, ...this.blocking].map((c) => c.quit().catch(() => c.disconnect())));
  }

  private blocker(worker: number): Redis {
    while (this.blocking.length <= worker) this.blocking.push(this.connect());
    return this.blocking[worker]!;
  }

  private connect(): Redis {
    return new Redis(this.url, { maxRetriesPerRequest: 1, enableOfflineQueue: true });
  }
}

/** `runKMeansWithExchange` through Redis; closes its connections at the end. */
export async function runKMeansRedis(options: KMeansOptions & RedisExchangeOptions = {}): Promise<KMeansRun> {
  const exchange = new RedisExchange(options);
  try {
    return await runKMeansWithExchange(exchange, options);
  } finally {
    await exchange.close();
  }
}
