import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { serveHealth, type HealthStatus } from '../../src/main/health-server';

describe('the host health port', function () {
  it('answers GET /healthz with 200 or 503 and the reason, asking at every request; 404 elsewhere', async function () {
    let status: HealthStatus = { healthy: true, text: 'waiting for the first deployment of tally' };
    const server = await serveHealth(0, () => status);
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const waiting = await fetch(`${base}/healthz`);
      assert.deepEqual([waiting.status, await waiting.text()], [200, 'waiting for the first deployment of tally\n']);
      status = { healthy: false, text: "cannot load code version 1 of tally: Cannot find module 'left-pad'" };
      const broken = await fetch(`${base}/healthz`);
      assert.deepEqual(
        [broken.status, await broken.text()],
        [503, "cannot load code version 1 of tally: Cannot find module 'left-pad'\n"],
      );
      assert.equal((await fetch(`${base}/metrics`)).status, 404);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses a port that is not a port number', async function () {
    await assert.rejects(
      serveHealth(70_000, () => ({ healthy: true, text: 'ok' })),
      /must be a port number, got '70000'/,
    );
  });
});
