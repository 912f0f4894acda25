import assert from 'node:assert/strict';
import { DataPlaneClient, decode, encode, HostFailedError, newId, unwrapReply } from '@praas/framework/internal';
import { FAST_FAILURE_ENV, FAULTY_FIXTURE_MODULE, HostControl, natsHostsForSuite } from '../src';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Fail fast on host death (issue 15, problem 4): a call in flight over NATS to a host that is
 * SIGKILLed fails with the retryable HOST_FAILED naming the host as soon as nats-server reports
 * the host gone, not at the call's deadline; a call with an id of the caller's own (an idempotency
 * key) is answered by the process's new holder instead.
 */
describe('calls in flight to a host that dies (NATS data plane)', function () {
  this.timeout(120_000);
  const app = `death-${Date.now().toString(36)}`;
  const suite = natsHostsForSuite('host-death', {
    app,
    modulePath: FAULTY_FIXTURE_MODULE,
    env: { ...FAST_FAILURE_ENV, PRAAS_DATA_PLANE: 'nats' },
  });
  /** Long enough that an answer within it can only come from the watch, never from the deadline. */
  const CALL_TIMEOUT_MS = 60_000;

  for (const idempotent of [false, true]) {
    it(
      idempotent
        ? 'answers a call with an idempotency key from the new holder'
        : 'fails a call in flight with HOST_FAILED naming the dead host, before its deadline',
      async () => {
        const suffix = idempotent ? 'retried' : 'failed';
        const doomed = await suite.spawnHost(`doomed-${suffix}`);
        await suite.spawnHost(`heir-${suffix}`);
        const pid = `worker-${suffix}`;
        await new HostControl(suite.transport, app).create(doomed.id, pid, 'Faulty');
        const client = new DataPlaneClient(suite.transport, suite.registry, app);
        const call = async <R>(fn: string, data: unknown, id = newId()): Promise<R> => {
          const envelope = { t: 'inv' as const, id, from: 'client:test', fn, data: encode(data) };
          const bytes = unwrapReply(await client.invoke(pid, envelope, CALL_TIMEOUT_MS, { idempotent }));
          return (bytes === undefined ? undefined : decode(bytes)) as R;
        };
        const inFlight = call<number>('waitThenAdd', { n: 7, ms: 3_000 }, `add-${suffix}`).then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        );
        while ((await call<number>('waitingNow', null)) === 0) await sleep(20);
        await doomed.kill();
        const outcome = await inFlight;
        if (!idempotent) {
          assert.ok('error' in outcome, 'the call was answered although its host died');
          const error = outcome.error;
          assert.ok(error instanceof HostFailedError, `not HOST_FAILED: ${String(error)}`);
          assert.equal(error.retryable, true);
          assert.equal(error.details['host'], doomed.id);
          assert.match(error.message, new RegExp(`host '${doomed.id}'`));
        } else {
          assert.deepEqual(outcome, { value: 7 }, 'run again by the new holder from its last committed state');
        }
        // Another live host (this test's heir, or an earlier test's) serves the process now.
        assert.equal(await call('read', null), idempotent ? 7 : 0, 'the uncommitted 7 was lost with the host, once');
        const holder = (await suite.registry.getProcess(app, pid))?.host;
        assert.ok(holder !== undefined && holder !== doomed.id, `held by ${holder}`);
      },
    );
  }

  it("loses no acknowledged call of a durability 'call' process to a SIGKILL", async () => {
    const doomed = await suite.spawnHost('doomed-durable');
    await suite.spawnHost('heir-durable');
    await new HostControl(suite.transport, app).create(doomed.id, 'journal', 'Durable');
    const client = new DataPlaneClient(suite.transport, suite.registry, app);
    const call = async <R>(fn: string, data: unknown): Promise<R> => {
      const envelope = { t: 'inv' as const, id: newId(), from: 'client:test', fn, data: encode(data) };
      const bytes = unwrapReply(await client.invoke('journal', envelope, CALL_TIMEOUT_MS));
      return (bytes === undefined ? undefined : decode(bytes)) as R;
    };
    // Four callers at once (calls that end together share a commit), then a SIGKILL right after the last answer.
    const acknowledged: number[] = [];
    await Promise.all(
      [0, 1, 2, 3].map(async (caller) => {
        for (let i = 0; i < 25; i++) {
          const n = caller * 100 + i;
          await call('append', n);
          acknowledged.push(n);
        }
      }),
    );
    await doomed.kill();
    const kept = await call<number[]>('read', null);
    assert.deepEqual(
      acknowledged.filter((n) => !kept.includes(n)),
      [],
      'every acknowledged call survived',
    );
    assert.equal(kept.length, acknowledged.length, 'none ran twice');
  });
});
