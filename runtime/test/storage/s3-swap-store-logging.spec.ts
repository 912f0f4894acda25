import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryLogger, SwapFailedError, UnavailableError } from '@praas/framework/internal';
import { S3SwapStore, swapStoreFromEnv } from '../../src';

// Port 1 on loopback: nobody listens there, so every request is refused at once (a transient failure).
const NOWHERE = 'http://127.0.0.1:1';

/** A stand-in endpoint on loopback: the bucket exists, and every other request gets 503 SlowDown. */
async function slowDownEndpoint(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    if (req.method === 'HEAD') return void res.writeHead(200).end();
    const body =
      '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Slow down</Message></Error>';
    res.writeHead(503, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('S3SwapStore logging', () => {
  it('logs the retries of a chunk with the endpoint, the key and the attempt, and the give-up', async () => {
    const { url, server } = await slowDownEndpoint();
    const logger = new MemoryLogger();
    const store = new S3SwapStore({
      endpoint: url,
      accessKey: 'k',
      secretKey: 's',
      bucket: 'busy',
      retry: { attempts: 2, baseDelayMs: 0 },
      logger,
    });
    try {
      await assert.rejects(store.put('apps/p/000000000001/chunk-0000', Buffer.from('x')), SwapFailedError);
    } finally {
      store.close();
      await new Promise((resolve) => server.close(resolve));
    }
    const [retry, ...more] = logger.at('warn');
    assert.deepEqual(more, [], 'one retry: attempts is 2');
    assert.equal(retry?.['endpoint'], url);
    assert.equal(retry['key'], 'apps/p/000000000001/chunk-0000');
    assert.equal(retry['operation'], 'put');
    assert.equal(retry['attempt'], 1);
    assert.equal(retry['reason'], 'HTTP 503');
    const [given] = logger.at('error');
    assert.equal(given?.['key'], 'apps/p/000000000001/chunk-0000');
    assert.equal(given['attempt'], 2);
    assert.equal((given['err'] as { code?: string }).code, 'SWAP_FAILED');
  });

  it('logs each retry of a refused connection as a warn record and the give-up as an error record', async () => {
    const logger = new MemoryLogger();
    const store = new S3SwapStore({
      endpoint: NOWHERE,
      accessKey: 'k',
      secretKey: 's',
      bucket: 'nowhere',
      retry: { attempts: 3, baseDelayMs: 0 },
      logger,
    });
    try {
      await assert.rejects(store.put('apps/p/chunk', Buffer.from('x')), UnavailableError);
    } finally {
      store.close();
    }
    const warns = logger.at('warn');
    assert.deepEqual(
      warns.map((r) => [r['endpoint'], r['bucket'], r['operation'], r['attempt'], r['attempts'], r['reason']]),
      [
        [NOWHERE, 'nowhere', 'create bucket', 1, 3, 'ECONNREFUSED'],
        [NOWHERE, 'nowhere', 'create bucket', 2, 3, 'ECONNREFUSED'],
      ],
    );
    assert.equal(warns[0]!['key'], '', 'creating the bucket is about no key');
    assert.match(
      warns[0]!.msg,
      /S3 create bucket at http:\/\/127\.0\.0\.1:1 failed \(ECONNREFUSED\) at attempt 1 of 3; retrying/,
    );
    const [given] = logger.at('error');
    assert.ok(given, 'the give-up is logged');
    assert.equal(logger.at('error').length, 1);
    assert.equal(given['endpoint'], NOWHERE);
    assert.equal(given['attempt'], 3);
    assert.match(given.msg, /failed after 3 attempts; giving up/);
    assert.equal((given['err'] as { code?: string }).code, 'UNAVAILABLE');
  });

  it('logs nothing for a request that is not retried: its caller reports the failure', async () => {
    const logger = new MemoryLogger();
    const store = new S3SwapStore({
      endpoint: NOWHERE,
      accessKey: 'k',
      secretKey: 's',
      bucket: 'nowhere',
      retry: { attempts: 1 },
      logger,
    });
    try {
      await assert.rejects(store.list('apps/'), UnavailableError);
    } finally {
      store.close();
    }
    assert.deepEqual(logger.records, []);
  });

  it('swapStoreFromEnv hands the store the logger it is given', async () => {
    const logger = new MemoryLogger();
    const store = swapStoreFromEnv(
      { PRAAS_S3_ENDPOINT: NOWHERE, PRAAS_S3_ACCESS_KEY: 'k', PRAAS_S3_SECRET_KEY: 's' },
      { logger: logger.child({ host: 'h1' }) },
    ) as S3SwapStore;
    try {
      await assert.rejects(store.get('apps/p/manifest'), UnavailableError);
    } finally {
      store.close();
    }
    assert.ok(logger.at('warn').length > 0, 'its retries are logged there');
    assert.ok(logger.records.every((r) => r['host'] === 'h1' && r['endpoint'] === NOWHERE));
    assert.equal(logger.at('error').length, 1);
  });
});
