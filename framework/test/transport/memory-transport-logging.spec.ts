import assert from 'node:assert/strict';
import { MemoryLogger, MemoryTransport } from '../../src/internal';

describe('MemoryTransport logging', function () {
  it('logs a failed handler of a published message, which nobody else waits for', async function () {
    const logger = new MemoryLogger();
    const transport = new MemoryTransport({ logger });
    let handled!: () => void;
    const done = new Promise<void>((resolve) => (handled = resolve));
    await transport.serve('praas.demo.p.a', () => {
      setImmediate(handled);
      return Promise.reject(new Error('mailbox full'));
    });
    await transport.publish('praas.demo.p.a', new Uint8Array([1]));
    await done;
    const [record] = logger.at('warn', 'published message failed');
    assert.ok(record, JSON.stringify(logger.records));
    assert.equal(record['subject'], 'praas.demo.p.a');
    assert.equal((record['err'] as { message: string }).message, 'mailbox full');
    await transport.close();
  });
});
