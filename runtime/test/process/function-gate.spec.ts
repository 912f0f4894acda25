import assert from 'node:assert/strict';
import { FunctionGate } from '../../src';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('FunctionGate', () => {
  it('admits at most `limit` calls at once', async () => {
    const gate = new FunctionGate(2);
    const releases = await Promise.all([gate.acquire(false), gate.acquire(false)]);
    let third = false;
    void gate.acquire(false).then(() => (third = true));
    await tick();
    assert.equal(third, false);
    releases[0]();
    await tick();
    assert.equal(third, true);
  });

  it('runs an exclusive call alone and admits waiting calls in arrival order', async () => {
    const gate = new FunctionGate(4);
    const order: string[] = [];
    const r1 = await gate.acquire(false);
    const ex = gate.acquire(true).then((r) => (order.push('exclusive'), r));
    const later = gate.acquire(false).then((r) => (order.push('later'), r));
    await tick();
    assert.deepEqual(order, [], 'the exclusive call waits for the running one; the later call waits behind it');
    r1();
    const rex = await ex;
    await tick();
    assert.deepEqual(order, ['exclusive']);
    rex();
    (await later)();
    assert.deepEqual(order, ['exclusive', 'later']);
  });

  it('reports idle once nothing runs or waits', async () => {
    const gate = new FunctionGate(1);
    const r = await gate.acquire(false);
    let idle = false;
    void gate.idle().then(() => (idle = true));
    await tick();
    assert.equal(idle, false);
    r();
    r(); // releasing twice is harmless
    await tick();
    assert.equal(idle, true);
    assert.equal(gate.active, 0);
  });
});
