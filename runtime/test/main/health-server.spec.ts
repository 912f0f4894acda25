import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { serveHealth, type HealthStatus } from '../../src/main/health-server';

describe('runtime host health endpoint', function () {
  let now: HealthStatus;
  let base: string;
  let close: () => Promise<void>;
  beforeEach(async function () {
    now = { healthy: true };
    const server = await serveHealth(0, () => now);
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

  it('answers 200 saying so while the host waits for the first deployment', async function () {
    now = { healthy: true, waiting: 'waiting for the first deployment of tally' };
    assert.deepEqual(await get('/healthz'), {
      status: 200,
      type: 'application/json; charset=utf-8',
      body: { status: 'waiting', message: 'waiting for the first deployment of tally' },
    });
  });

  it('answers 503 with the error format and the reason while unhealthy, asking at every request', async function () {
    now = { healthy: false, reason: 'the host is not connected to NATS' };
    const disconnected = await get('/healthz');
    assert.equal(disconnected.status, 503);
    assert.deepEqual(disconnected.body, {
      error: { code: 'UNAVAILABLE', message: 'the host is not connected to NATS', details: {} },
    });
    now = { healthy: false, reason: "cannot load code version 1 of tally: Cannot find module 'left-pad'" };
    const broken = await get('/healthz');
    assert.equal(broken.status, 503);
    assert.deepEqual(broken.body, {
      error: {
        code: 'UNAVAILABLE',
        message: "cannot load code version 1 of tally: Cannot find module 'left-pad'",
        details: {},
      },
    });
    now = { healthy: true };
    assert.equal((await get('/healthz')).status, 200);
  });

  it('answers other paths and methods with the error format', async function () {
    const missing = await get('/metrics');
    assert.equal(missing.status, 404);
    assert.equal((missing.body as { error: { code: string } }).error.code, 'ROUTE_NOT_FOUND');
    const posted = await get('/healthz', 'POST');
    assert.equal(posted.status, 405);
    assert.equal((posted.body as { error: { code: string } }).error.code, 'METHOD_NOT_ALLOWED');
  });

  it('refuses a port that is not a port number', async function () {
    await assert.rejects(
      serveHealth(70_000, () => ({ healthy: true })),
      /must be a port number, got '70000'/,
    );
  });
});
