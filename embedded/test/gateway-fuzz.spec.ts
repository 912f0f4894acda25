import assert from 'node:assert/strict';
import { fuzzGateway, http } from '@praas/test-services';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack';

// Each generated request is wrong in at least one way (see FuzzGenerator); PRAAS_FUZZ_SEED repeats a run.
const LIMIT = 16 * 1024;
const REQUESTS = 1_200;

describe('gateway REST API under fuzzing', () => {
  let stack: GatewayStack;
  before(async () => {
    stack = await startGatewayStack({
      bodyLimitBytes: LIMIT,
      log: (message, error) => assert.fail(`${message}: ${String(error)}`),
    });
    await stack.praas.createApp('fuzz');
    await stack.praas.createProcess('fuzz', { pid: 'p1' });
  });
  after(async () => stack.close());

  it(`answers ${REQUESTS} malformed requests with a 4xx each, never a 5xx or a hang, and keeps serving`, async () => {
    const seed = Number(process.env['PRAAS_FUZZ_SEED'] ?? 20_240_601);
    const base = stack.addresses.httpUrl;
    const { failures, kinds, statuses } = await fuzzGateway({
      baseUrl: base,
      httpPort: stack.addresses.httpPort,
      seed,
      app: 'fuzz',
      pid: 'p1',
      fn: 'add',
      bodyLimitBytes: LIMIT,
      requests: REQUESTS,
      garbage: 30,
    });
    assert.deepEqual(failures, []);
    for (const kind of ['unknown-route', 'bad-method', 'bad-name', 'unknown-app', 'bad-body', 'too-large'])
      assert.ok((kinds.get(kind) ?? 0) > 50, `kind ${kind} was generated`);
    for (const status of [400, 404, 405, 409, 413, 415]) assert.ok(statuses.has(status), `some request got ${status}`);

    assert.equal((await http(base, 'GET', '/healthz')).status, 200);
    const invoke = await http(base, 'POST', '/v1/apps/fuzz/invoke/add?pid=p1', { body: 1 });
    assert.equal(invoke.status, 200);
    assert.equal(invoke.json, 1, 'no fuzz request reached the process');
    assert.deepEqual(
      (await stack.praas.listApps()).map((a) => a.name),
      ['fuzz'],
      'no fuzz request created an application',
    );
    assert.deepEqual(
      (await stack.praas.listProcesses('fuzz')).map((p) => p.pid),
      ['p1'],
    );
    const metrics = await http(base, 'GET', '/metrics');
    assert.doesNotMatch(metrics.text, /praas_gateway_http_requests_total\{[^}]*status="5\d\d"\}/);
  });
});
