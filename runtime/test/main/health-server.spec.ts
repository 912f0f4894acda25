import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { serveHealth } from '../../src/main/health-server';

describe('runtime host health endpoint', function () {
  let reason: string | undefined;
  let base: string;
  let close: () => Promise<void>;
  beforeEach(async function () {
    reason = undefined;
    const server = await serveHealth(0, () => reason);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });
  afterEach(() => close());

  const get = async (path: string, method = 'GET') => {
    const response = await fetch(`${base}${path}`, { method });
    return { status: response.status, type: response.headers.get('content-type'), body: await response.json() };
  };

  it("answers JSON like the gateway's /healthz: 200 { status: 'ok' }", async function () {
    assert.deepEqual(await get('/healthz'), {
      status: 200,
      type: 'application/json; charset=utf-8',
      body: { status: 'ok' },
    });
  });

  it('answers 503 with the error format and the reason while unhealthy', async function () {
    reason = 'the host is not connected to NATS';
    const { status, body } = await get('/healthz');
    assert.equal(status, 503);
    assert.deepEqual(body, {
      error: { code: 'UNAVAILABLE', message: 'the host is not connected to NATS', details: {} },
    });
  });

  it('answers other paths and methods with the error format', async function () {
    const missing = await get('/metrics');
    assert.equal(missing.status, 404);
    assert.equal((missing.body as { error: { code: string } }).error.code, 'ROUTE_NOT_FOUND');
    const posted = await get('/healthz', 'POST');
    assert.equal(posted.status, 405);
    assert.equal((posted.body as { error: { code: string } }).error.code, 'METHOD_NOT_ALLOWED');
  });
});
