import assert from 'node:assert/strict';
import { GroupCommit } from '../../src/process/group-commit';

describe('GroupCommit', () => {
  it('lets requests made while a commit runs share the next one, which starts after it', async () => {
    const started: number[] = [];
    const finish: (() => void)[] = [];
    const group = new GroupCommit(
      () =>
        new Promise<void>((resolve) => {
          started.push(started.length + 1);
          finish.push(resolve);
        }),
    );
    const first = group.request();
    const second = group.request();
    const third = group.request();
    assert.deepEqual(started, [1], 'the second and third wait: the running commit may predate their state');
    finish[0]!();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(started, [1, 2], 'one commit for both');
    finish[1]!();
    await Promise.all([second, third]);
  });

  it('rejects the requests of a failed commit, and the next request commits afresh', async () => {
    let fail = true;
    const group = new GroupCommit(async () => {
      if (fail) throw new Error('store down');
    });
    await assert.rejects(group.request(), /store down/);
    fail = false;
    await group.request();
  });
});
