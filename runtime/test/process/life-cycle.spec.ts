import assert from 'node:assert/strict';
import { ProcessUnavailableError, type ProcessStatus } from '@praas/framework/internal';
import { IllegalTransitionError, LifeCycle } from '../../src/process/life-cycle';

const at = (...path: ProcessStatus[]): LifeCycle => {
  const life = new LifeCycle('app', 'p1');
  for (const status of path) life.to(status);
  return life;
};

describe('LifeCycle', () => {
  it('starts swapping in and follows the swap cycle, back to active when a swap-out fails', () => {
    const life = new LifeCycle('app', 'p1');
    assert.equal(life.status, 'swapping-in');
    const seen: ProcessStatus[] = [];
    for (const next of ['active', 'swapping-out', 'active', 'swapping-out', 'swapped', 'deleted'] as const) {
      life.to(next);
      seen.push(life.status);
    }
    assert.deepEqual(seen, ['active', 'swapping-out', 'active', 'swapping-out', 'swapped', 'deleted']);
  });

  it('can be deleted from every state but deleted', () => {
    for (const path of [[], ['active'], ['active', 'swapping-out'], ['active', 'swapping-out', 'swapped']] as const) {
      const life = at(...path);
      life.to('deleted');
      assert.equal(life.status, 'deleted');
    }
  });

  it('throws on an illegal transition, naming both states and what is allowed, and stays where it was', () => {
    const illegal: [ProcessStatus[], ProcessStatus][] = [
      [[], 'swapped'],
      [[], 'swapping-out'],
      [['active'], 'swapped'],
      [['active'], 'swapping-in'],
      [['active', 'swapping-out', 'swapped'], 'active'],
      [['deleted'], 'active'],
      [['deleted'], 'deleted'],
    ];
    for (const [path, next] of illegal) {
      const life = at(...path);
      const before = life.status;
      assert.throws(
        () => life.to(next),
        (e: unknown) =>
          e instanceof IllegalTransitionError &&
          e.from === before &&
          e.to === next &&
          e.message.includes(`'${before}' to '${next}'`),
        `${before} -> ${next}`,
      );
      assert.equal(life.status, before);
    }
    assert.match(new IllegalTransitionError('p1', 'deleted', 'active').message, /allowed from 'deleted' are none/);
  });

  it('expect() throws the unavailable error a caller gets, with the current status', () => {
    const life = at('active', 'swapping-out');
    assert.doesNotThrow(() => life.expect('swapping-out'));
    assert.throws(
      () => life.expect('active'),
      (e: unknown) => e instanceof ProcessUnavailableError && e.details['status'] === 'swapping-out',
    );
  });

  it('announced() waits for the going-live step that runs, and is settled otherwise', async () => {
    const life = new LifeCycle('app', 'p1');
    await life.announced(); // Nothing is going live: settled.
    const done = life.goingLive();
    let announced = false;
    void life.announced().then(() => (announced = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(announced, false);
    done();
    await life.announced();
    assert.equal(announced, true);
  });
});
