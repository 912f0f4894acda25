/**
 * The Redis baselines' receiver, in its own OS process, on its own Redis connection. It answers
 * only during a session the parent starts over the IPC channel (so the polling variant spins only
 * while it is measured), for a given number of rounds, then reports back:
 * - `poll`, the exchange as the PraaS paper measures it: poll GETDEL on the ping key until a value
 *   is there (a GET that also clears the key for the next round), then SET it on the pong key;
 * - `list`, the fair variant: BRPOP the ping list, LPUSH the value on the pong list.
 * Started by `startPeer` with the Redis URL as its argument.
 */
import Redis from 'ioredis';
import { runPeer } from './peer-process';

export type RedisVariant = 'poll' | 'list';

/** Start of a session, parent to peer. */
export interface RedisSession {
  readonly type: 'session';
  readonly id: number;
  readonly variant: RedisVariant;
  readonly rounds: number;
  readonly pingKey: string;
  readonly pongKey: string;
  /** How long one round may wait for its ping. */
  readonly timeoutMs: number;
}

/** End of a session, peer to parent. */
export type RedisSessionEnd =
  | { readonly type: 'done'; readonly id: number }
  | { readonly type: 'failed'; readonly id: number; readonly error: string };

async function serve(redis: Redis, session: RedisSession): Promise<void> {
  const { pingKey, pongKey, timeoutMs } = session;
  for (let round = 0; round < session.rounds; round++) {
    if (session.variant === 'poll') {
      const deadline = Date.now() + timeoutMs;
      let value: Buffer | null;
      while ((value = await redis.getdelBuffer(pingKey)) === null) {
        if (Date.now() > deadline) throw new Error(`round ${round}: no value under ${pingKey} in ${timeoutMs} ms`);
      }
      await redis.set(pongKey, value);
    } else {
      const popped = await redis.brpopBuffer(pingKey, Math.ceil(timeoutMs / 1000));
      if (popped === null) throw new Error(`round ${round}: nothing pushed on ${pingKey} in ${timeoutMs} ms`);
      await redis.lpush(pongKey, popped[1]);
    }
  }
}

if (require.main === module) {
  runPeer<null>('redis peer', async () => {
    const url = process.argv[2];
    if (!url) throw new Error('usage: redis-peer <redis url>');
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    redis.on('error', (e: Error) => console.error(`redis peer: ${e.message}`));
    await redis.connect();
    process.on('message', (message: RedisSession) => {
      if (message.type !== 'session') {
        console.error(`redis peer: ignoring a message that is no session: ${JSON.stringify(message)}`);
        return;
      }
      const reply = (end: RedisSessionEnd): void => {
        process.send!(end);
      };
      serve(redis, message).then(
        () => reply({ type: 'done', id: message.id }),
        (e: unknown) => reply({ type: 'failed', id: message.id, error: e instanceof Error ? e.message : String(e) }),
      );
    });
    return {
      ready: null,
      stop: async () => {
        await redis.quit();
      },
    };
  });
}
