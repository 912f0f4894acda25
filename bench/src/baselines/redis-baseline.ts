import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { startPeer, type PeerProcess } from './peer-process';
import type { RedisSession, RedisSessionEnd, RedisVariant } from './redis-peer';

const REDIS_PEER = require.resolve('./redis-peer');

/**
 * The bench process's side of the Redis ping-pong baselines (peer: `redis-peer.ts`, which has the
 * variants). Keys are unique per instance, so a shared Redis server is fine.
 */
export class RedisBaseline {
  private nextId = 0;
  private readonly sessions = new Map<number, { resolve(): void; reject(e: Error): void }>();
  private readonly keys: Record<RedisVariant, { ping: string; pong: string }>;

  private constructor(
    private readonly peer: PeerProcess<null>,
    private readonly redis: Redis,
    private readonly timeoutMs: number,
  ) {
    const prefix = `praas-bench:${randomBytes(4).toString('hex')}`;
    this.keys = {
      poll: { ping: `${prefix}:poll:ping`, pong: `${prefix}:poll:pong` },
      list: { ping: `${prefix}:list:ping`, pong: `${prefix}:list:pong` },
    };
    peer.child.on('message', (message: RedisSessionEnd | { type: 'ready' }) => {
      if (message.type === 'ready') return;
      const session = this.sessions.get(message.id);
      if (!session) return;
      this.sessions.delete(message.id);
      if (message.type === 'done') session.resolve();
      else session.reject(new Error(`redis peer: ${message.error}`));
    });
    peer.child.once('exit', (code, signal) => {
      for (const s of this.sessions.values()) s.reject(new Error(`redis peer exited (${code ?? signal})`));
      this.sessions.clear();
    });
  }

  /** Starts the peer OS process and connects this side, both to `url`. */
  static async start(url: string, timeoutMs = 30_000): Promise<RedisBaseline> {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    redis.on('error', (e: Error) => console.error(`redis baseline: ${e.message}`));
    await redis.connect();
    try {
      return new RedisBaseline(await startPeer<null>('redis peer', REDIS_PEER, [url]), redis, timeoutMs);
    } catch (e) {
      redis.disconnect();
      throw e;
    }
  }

  /**
   * Runs `work` (which makes exactly `rounds` rounds of `variant`) while the peer answers them;
   * resolves with its result once the peer has answered them all, rejects when either fails.
   */
  async session<T>(variant: RedisVariant, rounds: number, work: () => Promise<T>): Promise<T> {
    const { ping, pong } = this.keys[variant];
    await this.redis.del(ping, pong); // what a failed session may have left
    const [, result] = await Promise.all([this.serve(variant, rounds), work()]);
    return result;
  }

  private serve(variant: RedisVariant, rounds: number): Promise<void> {
    const { ping, pong } = this.keys[variant];
    const id = ++this.nextId;
    const session: RedisSession = {
      type: 'session',
      id,
      variant,
      rounds,
      pingKey: ping,
      pongKey: pong,
      timeoutMs: this.timeoutMs,
    };
    const ended = new Promise<void>((resolve, reject) => this.sessions.set(id, { resolve, reject }));
    this.peer.child.send(session);
    return ended;
  }

  /** One round of `variant`: the ping there, the same payload back. */
  async round(variant: RedisVariant, payload: Uint8Array): Promise<void> {
    const { ping, pong } = this.keys[variant];
    const value = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    let answer: Buffer | null;
    if (variant === 'poll') {
      await this.redis.set(ping, value);
      const deadline = Date.now() + this.timeoutMs;
      while ((answer = await this.redis.getdelBuffer(pong)) === null) {
        if (Date.now() > deadline) throw new Error(`redis poll: no answer under ${pong} in ${this.timeoutMs} ms`);
      }
    } else {
      await this.redis.lpush(ping, value);
      const popped = await this.redis.brpopBuffer(pong, Math.ceil(this.timeoutMs / 1000));
      if (popped === null) throw new Error(`redis list: no answer on ${pong} in ${this.timeoutMs} ms`);
      answer = popped[1];
    }
    if (answer.length !== payload.byteLength) {
      throw new Error(`redis ${variant}: answer of ${answer.length} bytes to a ping of ${payload.byteLength}`);
    }
  }

  async stop(): Promise<void> {
    try {
      await this.redis.del(...Object.values(this.keys).flatMap((k) => [k.ping, k.pong]));
      await this.redis.quit();
    } finally {
      await this.peer.stop();
    }
  }
}
