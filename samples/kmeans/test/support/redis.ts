import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';

/** A Redis server for a test, and how to stop what was started for it. */
export interface TestRedis {
  readonly url: string;
  /** Where it came from: PRAAS_REDIS_URL, the machine's server on 6379, or one started here. */
  readonly kind: 'env' | 'local' | 'spawned';
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

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Starts `redis-server` on a free loopback port; undefined when the binary is missing. */
export async function spawnRedis(): Promise<TestRedis | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'praas-redis-'));
  const port = await freePort();
  let child: ChildProcess;
  try {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      {
        stdio: 'ignore',
      },
    );
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', resolve);
    });
  } catch {
    await rm(dir, { recursive: true, force: true });
    return undefined; // No redis-server binary.
  }
  const url = `redis://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    if (await answers(url)) return { url, kind: 'spawned', stop };
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error(`redis-server started on port ${port} but did not answer within 5 s`);
}

/**
 * Finds a Redis server: PRAAS_REDIS_URL, else 127.0.0.1:6379, else a `redis-server` started on a
 * free loopback port. Undefined when none can be had (the caller skips, or fails under CI).
 */
export async function startTestRedis(): Promise<TestRedis | undefined> {
  const fromEnv = process.env['PRAAS_REDIS_URL'];
  if (fromEnv) {
    if (!(await answers(fromEnv))) throw new Error(`PRAAS_REDIS_URL is ${fromEnv} but no Redis answers there`);
    return { url: fromEnv, kind: 'env', stop: async () => {} };
  }
  const local = 'redis://127.0.0.1:6379';
  if (await answers(local)) return { url: local, kind: 'local', stop: async () => {} };
  return spawnRedis();
}
