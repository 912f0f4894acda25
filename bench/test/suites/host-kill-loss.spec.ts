import assert from 'node:assert/strict';
import { checkpointUploadsMs, lossAtKill } from '../../src/suites/host-kill-loss';

describe('durability suite: losses at a host kill', () => {
  describe('lossAtKill', () => {
    const acks = [
      { n: 0, at: 1_000 },
      { n: 1, at: 1_100 },
      { n: 2, at: 1_250 },
      { n: 3, at: 1_300 },
    ];

    it('counts the acknowledged calls missing from the state and dates the oldest of them at the kill', () => {
      assert.deepEqual(lossAtKill(acks, [0, 1], 1_400), { acknowledged: 4, lost: 2, oldestLostAgeMs: 150 });
    });

    it('finds the oldest lost call also when the state kept a later one', () => {
      assert.deepEqual(lossAtKill(acks, [0, 2, 3], 1_400), { acknowledged: 4, lost: 1, oldestLostAgeMs: 300 });
    });

    it('is no loss and age 0 when every acknowledged call is kept, also with an unacknowledged one', () => {
      assert.deepEqual(lossAtKill(acks, [0, 1, 2, 3, 4], 1_400), { acknowledged: 4, lost: 0, oldestLostAgeMs: 0 });
    });

    it('dates a reply that arrived after the kill started at 0', () => {
      assert.deepEqual(lossAtKill([...acks, { n: 4, at: 1_450 }], [0, 1, 2, 3], 1_400), {
        acknowledged: 5,
        lost: 1,
        oldestLostAgeMs: 0,
      });
    });
  });

  describe('checkpointUploadsMs', () => {
    const record = (fields: Record<string, unknown>): string =>
      JSON.stringify({ level: 'info', time: 1, app: 'a', host: 'h', ...fields });

    it('reads the upload times of one process from a host log, past its other lines', () => {
      const log = [
        'praas host h serving a on nats://127.0.0.1:4222',
        record({ pid: 'p', msg: 'checkpoint written', generation: 1, bytes: 40, ms: 3.5 }),
        record({ pid: 'q', msg: 'checkpoint written', generation: 1, bytes: 40, ms: 9 }),
        record({ pid: 'p', msg: 'swapped in', generation: 1, bytes: 40, ms: 7 }),
        record({ pid: 'p', msg: 'checkpoint written', generation: 2, bytes: 48, ms: 12.25 }),
        '',
      ].join('\n');
      assert.deepEqual(checkpointUploadsMs(log, 'p'), [3.5, 12.25]);
      assert.deepEqual(checkpointUploadsMs(log, 'r'), []);
    });

    it('refuses a checkpoint line that is not JSON, showing it', () => {
      assert.throws(
        () => checkpointUploadsMs('{"pid":"p","msg":"checkpoint written","ms":3', 'p'),
        /a host log line with a checkpoint record is not JSON: \{"pid":"p"/,
      );
    });
  });
});
