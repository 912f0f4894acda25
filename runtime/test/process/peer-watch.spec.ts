import assert from 'node:assert/strict';
import { Fn, MemoryLogger, Process, UnavailableError, type Context } from '@praas/framework/internal';
import { startTestHost, type TestHost } from '../fixtures';

@Process()
class Watcher {
  @Fn()
  watch(_: unknown, ctx: Context): string {
    ctx.watchPeers(() => undefined);
    return 'watching';
  }
}

describe('watching peers when the registry cannot set the watch up', () => {
  let t: TestHost;
  afterEach(async () => {
    await t?.close();
  });

  it('reports the failure instead of leaving an unhandled rejection that would end the host', async () => {
    const logger = new MemoryLogger();
    t = await startTestHost({ processes: [Watcher], logger });
    await t.host.create('w1', 'Watcher');
    t.registry.watchProcesses = () => Promise.reject(new UnavailableError('the registry is unreachable'));
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    const logged = () => logger.at('warn', 'the peer watch could not be set up');
    process.on('unhandledRejection', onUnhandled);
    try {
      assert.equal(await t.invoke('w1', 'watch'), 'watching');
      while (logged().length === 0 && unhandled.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    assert.deepEqual(unhandled, []);
    const [record] = logged();
    assert.equal(record?.['pid'], 'w1');
    assert.equal((record?.['err'] as { message?: string }).message, 'the registry is unreachable');
  });
});
