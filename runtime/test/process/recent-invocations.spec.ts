import assert from 'node:assert/strict';
import { decode, encode, newId, unwrapReply, type ReplyEnvelope } from '@praas/framework/internal';
import { RecentInvocations } from '../../src/process/recent-invocations';
import { startTestHost, type TestHost } from '../fixtures';

describe('Retried invocations (same id)', () => {
  describe('through a process', () => {
    let t: TestHost;
    beforeEach(async () => {
      t = await startTestHost();
      await t.host.create('w1', 'Worker');
    });
    afterEach(async () => t.close());

    const call = async (id: string, fn: string, data: unknown): Promise<unknown> => {
      const reply = await t.client.invoke('w1', { t: 'inv', id, from: 'client:retry', fn, data: encode(data) });
      const bytes = unwrapReply(reply);
      return bytes === undefined ? undefined : decode(bytes);
    };

    it('runs once when the retry comes after the first finished: the retry gets the same reply', async () => {
      const id = newId();
      assert.equal(await call(id, 'inc', 5), 5);
      assert.equal(await call(id, 'inc', 5), 5, 'the first reply, not a second run');
      assert.equal(await call(newId(), 'inc', 1), 6, 'the function ran once for the two');
    });

    it('runs once when the retry comes while the first still runs: both get its reply', async () => {
      const id = newId();
      const [first, retry] = await Promise.all([call(id, 'slow', 30), call(id, 'slow', 30)]);
      assert.deepEqual([first, retry], [1, 1], 'one call ran, alone');
    });
  });

  describe('RecentInvocations', () => {
    const ok = (size: number): ReplyEnvelope => ({ ok: true, data: new Uint8Array(size) });

    it('forgets the oldest finished replies beyond its bounds of entries and bytes', async () => {
      const recent = new RecentInvocations({ maxEntries: 2, maxBytes: 10_000 });
      for (const id of ['a', 'b', 'c']) await recent.track(id, Promise.resolve(ok(10)));
      assert.equal(recent.get('a'), undefined);
      assert.ok(recent.get('b') && recent.get('c'));
      await recent.track('big', Promise.resolve(ok(9_000)));
      assert.equal(recent.get('b'), undefined, 'pushed out by bytes');
      await recent.track('huge', Promise.resolve(ok(20_000)));
      assert.equal(recent.get('huge'), undefined, 'a result over the byte bound is not kept');
      assert.ok(recent.get('big'));
    });

    it('forgets a failed reply tracked with retryFailure (a timer firing runs again) but joins it while it runs', async () => {
      const recent = new RecentInvocations();
      const failed: ReplyEnvelope = { ok: false, error: { code: 'FUNCTION_ERROR', message: 'boom', details: {} } };
      let settle!: (r: ReplyEnvelope) => void;
      const running = recent.track('t', new Promise<ReplyEnvelope>((r) => (settle = r)), { retryFailure: true });
      assert.equal(recent.get('t'), running);
      settle(failed);
      await running;
      await Promise.resolve();
      assert.equal(recent.get('t'), undefined);
      await recent.track('u', Promise.resolve(failed));
      assert.ok(recent.get('u'), 'without retryFailure a failure is remembered');
      await recent.track('v', Promise.resolve(ok(1)), { retryFailure: true });
      assert.ok(recent.get('v'), 'a success is remembered either way');
    });
  });
});
