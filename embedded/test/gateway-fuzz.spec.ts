import assert from 'node:assert/strict';
import { FuzzGenerator, http, prng, rawGarbage } from '@praas/test-services';
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
    const generator = new FuzzGenerator(prng(seed), 'fuzz', 'p1', 'add', LIMIT);
    const base = stack.addresses.httpUrl;
    const kinds = new Map<string, number>();
    const statuses = new Map<number, number>();
    const requests = Array.from({ length: REQUESTS }, () => generator.next());
    const failures: string[] = [];
    for (let i = 0; i < requests.length; i += 24) {
      await Promise.all(
        requests.slice(i, i + 24).map(async (r) => {
          const res = await http(base, r.method, r.path, r.options);
          const where = `seed ${seed}, ${r.kind}: ${r.method} ${r.path.slice(0, 200)} → ${res.status} ${res.text.slice(0, 300)}`;
          if (!(res.status >= 400 && res.status < 500)) failures.push(where);
          else if (r.method !== 'HEAD' && res.text !== '') {
            const error = (res.json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
            assert.equal(typeof error?.code, 'string', where);
            assert.equal(typeof error?.message, 'string', where);
            assert.doesNotMatch(res.text, /\n\s+at /, `no stack trace: ${where}`);
          }
          kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }),
      );
    }
    assert.deepEqual(failures, []);
    const random = prng(seed + 1);
    for (let i = 0; i < 30; i++) {
      const garbage = Buffer.from(
        Array.from({ length: 1 + Math.floor(random() * 200) }, () => Math.floor(random() * 256)),
      );
      const answer = await rawGarbage(stack.addresses.httpPort, garbage);
      assert.match(answer, /^HTTP\/1\.1 4\d\d /, `garbage got: ${JSON.stringify(answer.slice(0, 100))}`);
    }
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
