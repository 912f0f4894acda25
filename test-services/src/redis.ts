import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { freePort } from './free-port';

/** A Redis server for a benchmark or test, and how to stop what was started for it. */
export interface RedisService {
  readonly url: string;
  /** Where it came from: PRAAS_REDIS_URL, the machine's server on 127.0.0.1:6379, or one started here. */
  readonly kind: 'external' | 'local' | 'spawned';
  /** Stops a server started here and removes its directory; leaves the others alone. */
  stop(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1_000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * Finds a Redis server: `PRAAS_REDIS_URL`, else 127.0.0.1:6379 when it answers, else
 * `redis-server --save "" --appendonly no` started on a free loopback port with a temporary directory.
 * @throws Error when none answers and `redis-server` cannot be started.
 */
export async function startRedis(): Promise<RedisService> {
  const fromEnv = process.env['PRAAS_REDIS_URL'];
  if (fromEnv) {
    if (!(await answers(fromEnv))) throw new Error(`PRAAS_REDIS_URL is ${fromEnv} but no Redis answers there`);
    return { url: fromEnv, kind: 'external', stop: async () => {} };
  }
  const local = 'redis://127.0.0.1:6379';
  if (await answers(local)) return { url: local, kind: 'local', stop: async () => {} };
  const dir = await mkdtemp(join(tmpdir(), 'praas-redis-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  const child: ChildProcess = spawn('redis-server', args, { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', resolve);
    });
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`no Redis answers on 127.0.0.1:6379 and redis-server could not be started: ${String(e)}`);
  }
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (await answers(url)) return { url, kind: 'spawned', stop };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stop();
  throw new Error(`redis-server started on port ${port} but did not answer within 5 s`);
}
