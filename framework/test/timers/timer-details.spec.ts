import assert from 'node:assert/strict';
import { parseSchedule, timerDetails } from '../../src/internal';

describe('timerDetails', () => {
  const at = Date.UTC(2026, 0, 1, 3);
  const record = {
    app: 'shop',
    pid: 'cart-1',
    id: 'nightly',
    fn: 'tick',
    data: new Uint8Array(300).fill(7),
    schedule: parseSchedule({ cron: '0 3 * * *', tz: 'UTC', key: 'nightly' }),
    dueAt: at,
    key: 'nightly',
    attempt: 2,
    createdAt: at - 60_000,
  };

  it('shows times as ISO and ms and the payload only by its size', () => {
    const info = timerDetails({ ...record, lease: { owner: 'host-a', until: at + 30_000 } });
    assert.deepEqual(info, {
      app: 'shop',
      pid: 'cart-1',
      id: 'nightly',
      fn: 'tick',
      schedule: record.schedule,
      dueAt: '2026-01-01T03:00:00.000Z',
      dueAtMs: at,
      key: 'nightly',
      attempt: 2,
      createdAt: '2026-01-01T02:59:00.000Z',
      lease: { holder: 'host-a', until: '2026-01-01T03:00:30.000Z', untilMs: at + 30_000 },
      payloadBytes: 300,
    });
    assert.ok(!JSON.stringify(info).includes('7,7'), 'no payload bytes');
  });

  it('leaves out key, lease and scheduled time when the timer has none', () => {
    const { key: _, ...keyless } = record;
    const info = timerDetails(keyless);
    assert.equal('key' in info, false);
    assert.equal('lease' in info, false);
    assert.equal('scheduledAt' in info, false);
    assert.equal('scheduledAtMs' in info, false);
  });

  it('shows the scheduled time of a firing being retried beside the retry’s due time', () => {
    const info = timerDetails({ ...record, dueAt: at + 4_000, scheduledAt: at });
    assert.equal(info.dueAt, '2026-01-01T03:00:04.000Z');
    assert.equal(info.scheduledAt, '2026-01-01T03:00:00.000Z');
    assert.equal(info.scheduledAtMs, at);
  });
});
