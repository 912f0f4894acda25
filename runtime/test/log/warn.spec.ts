import assert from 'node:assert/strict';
import { MemoryLogger } from '@praas/framework/internal';
import { warn } from '../../src/log/warn';

describe('warn', function () {
  it('emits a PraasWarning and, given a logger, a warn record with the code', async function () {
    const warnings: (Error & { code?: string })[] = [];
    const listen = (w: Error): void => void warnings.push(w);
    process.on('warning', listen);
    try {
      const logger = new MemoryLogger();
      warn('PRAAS_TEST_WARNING', 'field Cart.items holds a Line instance', logger);
      // Process warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      const mine = warnings.filter((w) => w.code === 'PRAAS_TEST_WARNING');
      assert.deepEqual(
        mine.map((w) => [w.name, w.message]),
        [['PraasWarning', 'field Cart.items holds a Line instance']],
      );
      assert.deepEqual(
        logger.at('warn').map((r) => [r.msg, r['code']]),
        [['field Cart.items holds a Line instance', 'PRAAS_TEST_WARNING']],
      );
    } finally {
      process.off('warning', listen);
    }
  });
});
