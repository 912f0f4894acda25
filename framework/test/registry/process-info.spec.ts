import assert from 'node:assert/strict';
import { processInfo, processSubject, type ProcessRecord } from '../../src/internal';

describe('processInfo', () => {
  const record: ProcessRecord = {
    app: 'shop',
    pid: 'cart-1',
    processClass: 'Cart',
    status: 'active',
    generation: 3,
    updatedAt: 1,
  };

  it('gives the data-plane address, class, status and generation of the record', () => {
    assert.deepEqual(processInfo(record), {
      app: 'shop',
      pid: 'cart-1',
      processClass: 'Cart',
      status: 'active',
      address: processSubject('shop', 'cart-1'),
      generation: 3,
    });
  });

  it('names the host only while the process is active, not the one swapping it in or out', () => {
    assert.equal(processInfo({ ...record, host: 'h1' }).host, 'h1');
    for (const status of ['swapping-in', 'swapping-out', 'swapped', 'deleted'] as const)
      assert.equal('host' in processInfo({ ...record, status, host: 'h1' }), false, status);
  });

  it('carries the code version when the record has one, and no incarnation or timestamp', () => {
    const info = processInfo({ ...record, version: 4, incarnation: 'x', updatedAt: 9 });
    assert.equal(info.version, 4);
    assert.equal('incarnation' in info || 'updatedAt' in info, false);
    assert.equal('version' in processInfo(record), false);
  });
});
