import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InvalidArgumentError, InvalidNameError } from '../../src/errors';
import { parseCron } from '../../src/timers/cron';
import { firstFire, nextFire, parseSchedule, type Schedule } from '../../src/timers/schedule';
import { firstInstantOf, wallOf } from '../../src/timers/zoned-time';

const utc = (iso: string): number => Date.parse(iso);
const cron = (expression: string, tz?: string): Schedule =>
  parseSchedule(tz === undefined ? { cron: expression } : { cron: expression, tz });
/** The next `n` firings after `from`, as ISO strings. */
const firings = (schedule: Schedule, from: string, n: number): string[] => {
  const out: string[] = [];
  let t = utc(from);
  for (let i = 0; i < n; i++) {
    const next = nextFire(schedule, t);
    if (next === undefined) break;
    out.push(new Date(next).toISOString());
    t = next;
  }
  return out;
};
const invalid = (spec: unknown, message: RegExp): void =>
  assert.throws(
    () => parseSchedule(spec as never),
    (e: unknown) => e instanceof InvalidArgumentError && message.test(e.message),
  );

describe('timers: parseSchedule', () => {
  it('turns each kind of spec into a stored schedule', () => {
    const now = utc('2026-01-01T00:00:00Z');
    assert.deepEqual(parseSchedule({ at: '2026-02-01T10:00:00Z' }), {
      kind: 'at',
      at: utc('2026-02-01T10:00:00Z'),
      catchUp: 'once',
    });
    assert.deepEqual(parseSchedule({ at: new Date(5), key: 'k1' }), { kind: 'at', at: 5, catchUp: 'once', key: 'k1' });
    assert.deepEqual(parseSchedule({ afterMs: 1500 }, now), { kind: 'at', at: now + 1500, catchUp: 'once' });
    assert.deepEqual(parseSchedule({ every: '5m', catchUp: 'skip' }, now), {
      kind: 'every',
      everyMs: 300_000,
      anchor: now,
      catchUp: 'skip',
    });
    const intervals = ['500ms', '30s', '5m', '2h', '1d', 250].map((every) => parseSchedule({ every }, now));
    assert.deepEqual(
      intervals.map((s) => (s.kind === 'every' ? s.everyMs : -1)),
      [500, 30_000, 300_000, 7_200_000, 86_400_000, 250],
    );
    assert.deepEqual(parseSchedule({ cron: '0 3 * * *', tz: 'Europe/Berlin' }), {
      kind: 'cron',
      cron: '0 3 * * *',
      tz: 'Europe/Berlin',
      catchUp: 'once',
    });
    assert.equal((parseSchedule({ cron: '0 3 * * *' }) as { tz: string }).tz, 'UTC');
  });

  it('rejects bad input with a message naming what is wrong', () => {
    invalid({}, /exactly one of at, afterMs, every, cron, got none/);
    invalid({ at: 1, every: '5m' }, /exactly one of .* got at and every/);
    invalid({ every: '5m', repeat: true }, /no option 'repeat'/);
    invalid({ at: 'tomorrow' }, /at must be a valid Date or an ISO 8601 string/);
    invalid({ at: new Date(Number.NaN) }, /an invalid Date/);
    invalid({ afterMs: -1 }, /afterMs must be a non-negative integer/);
    invalid({ afterMs: 1.5 }, /afterMs must be a non-negative integer/);
    invalid({ every: '5 minutes' }, /every must be .* got "5 minutes"/);
    invalid({ every: 0 }, /every must be a positive integer/);
    invalid({ every: '0s' }, /every must be a positive integer/);
    invalid({ every: '5m', tz: 'UTC' }, /tz only applies to a cron schedule/);
    invalid({ every: '5m', catchUp: 'all' }, /catchUp must be 'once' or 'skip', got "all"/);
    assert.throws(() => parseSchedule({ every: '5m', key: 'a.b' }), InvalidNameError);
    invalid({ cron: '0 3 * *' }, /must have 5 fields .* it has 4/);
    invalid({ cron: '60 3 * * *' }, /minute field "60" has 60, outside 0-59/);
    invalid({ cron: '0 24 * * *' }, /hour field "24" has 24, outside 0-23/);
    invalid({ cron: '0 0 0 * *' }, /day of month field "0" has 0, outside 1-31/);
    invalid({ cron: '0 0 * FOO *' }, /month field "FOO" has "FOO", which is not a number or a name/);
    invalid({ cron: '0 0 * * 1-' }, /day of week field "1-" has a malformed range/);
    invalid({ cron: '0 0 * * 5-1' }, /runs backwards/);
    invalid({ cron: '*/0 * * * *' }, /step "0", not a positive number/);
    invalid({ cron: '1,,2 * * * *' }, /malformed part ""/);
    invalid({ cron: '0 0 31 2,4 *' }, /can never fire/);
    invalid({ cron: '0 0 * * *', tz: 'Mars/Olympus' }, /unknown time zone "Mars\/Olympus"/);
    invalid({ cron: 5 }, /cron must be a string/);
    invalid(null, /a schedule must be an object/);
  });

  it('parses cron lists, ranges, steps and names', () => {
    const c = parseCron('5,10-12 */6 1-31/10 JAN-mar,Dec mon-FRI,7');
    assert.deepEqual([...c.minutes], [5, 10, 11, 12]);
    assert.deepEqual([...c.hours], [0, 6, 12, 18]);
    assert.deepEqual([...c.daysOfMonth], [1, 11, 21, 31]);
    assert.deepEqual([...c.months], [1, 2, 3, 12]);
    assert.deepEqual([...c.daysOfWeek].sort(), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual([...parseCron('50/5 * * * *').minutes], [50, 55]);
    assert.deepEqual([c.domRestricted, c.dowRestricted], [true, true]);
    const stars = parseCron('* * */2 * *');
    assert.deepEqual([stars.domRestricted, stars.dowRestricted], [false, false]);
  });
});

describe('timers: nextFire', () => {
  it('fires a one-shot once and an interval on its grid from the anchor', () => {
    const at = parseSchedule({ at: new Date(1000) });
    assert.equal(nextFire(at, 999), 1000);
    assert.equal(nextFire(at, 1000), undefined);
    assert.equal(firstFire(at, 5000), 1000, 'a one-shot whose time passed is due at once');
    const every = parseSchedule({ every: 100 }, 1000);
    assert.equal(firstFire(every, 1000), 1100);
    assert.deepEqual(
      [nextFire(every, 1000), nextFire(every, 1099), nextFire(every, 1100), nextFire(every, 1550), nextFire(every, 0)],
      [1100, 1100, 1200, 1600, 1100],
    );
  });

  it('follows a UTC cron expression', () => {
    assert.deepEqual(firings(cron('0 3 * * *'), '2026-03-01T03:00:00Z', 2), [
      '2026-03-02T03:00:00.000Z',
      '2026-03-03T03:00:00.000Z',
    ]);
    assert.deepEqual(firings(cron('*/20 9-10 * * MON-FRI'), '2026-12-04T10:30:00Z', 3), [
      '2026-12-04T10:40:00.000Z',
      '2026-12-07T09:00:00.000Z',
      '2026-12-07T09:20:00.000Z',
    ]);
    assert.deepEqual(firings(cron('0 0 29 2 *'), '2026-01-01T00:00:00Z', 2), [
      '2028-02-29T00:00:00.000Z',
      '2032-02-29T00:00:00.000Z',
    ]);
    // Both days restricted: the 13th or any Friday (Vixie cron).
    assert.deepEqual(firings(cron('0 12 13 * FRI'), '2026-11-09T00:00:00Z', 3), [
      '2026-11-13T12:00:00.000Z',
      '2026-11-20T12:00:00.000Z',
      '2026-11-27T12:00:00.000Z',
    ]);
    assert.equal(firings(cron('0 12 13 * FRI'), '2026-12-05T00:00:00Z', 2)[1], '2026-12-13T12:00:00.000Z');
  });

  it('fires a local time skipped by a DST change at the next valid minute, once', () => {
    // Berlin, 2026-03-29: 02:00 CET becomes 03:00 CEST (01:00 UTC).
    assert.deepEqual(firings(cron('30 2 * * *', 'Europe/Berlin'), '2026-03-28T12:00:00Z', 2), [
      '2026-03-29T01:00:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
    assert.deepEqual(firings(cron('*/20 * * * *', 'Europe/Berlin'), '2026-03-29T00:30:00Z', 4), [
      '2026-03-29T00:40:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-29T01:20:00.000Z',
      '2026-03-29T01:40:00.000Z',
    ]);
  });

  it('fires a repeated local hour once, at its first occurrence', () => {
    // New York, 2026-11-01: 02:00 EDT becomes 01:00 EST; 01:30 happens at 05:30 and 06:30 UTC.
    assert.deepEqual(firings(cron('30 1 * * *', 'America/New_York'), '2026-10-31T12:00:00Z', 2), [
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
    ]);
    assert.deepEqual(firings(cron('0,30 * * * *', 'America/New_York'), '2026-11-01T05:00:00Z', 3), [
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T07:00:00.000Z',
      '2026-11-01T07:30:00.000Z',
    ]);
    assert.equal(
      nextFire(cron('0,30 * * * *', 'America/New_York'), utc('2026-11-01T06:10:00Z')),
      utc('2026-11-01T07:00:00Z'),
    );
  });

  it('handles zones with half-hour offsets and half-hour DST (Lord Howe)', () => {
    assert.deepEqual(firings(cron('0 9 * * *', 'Asia/Kolkata'), '2026-06-01T00:00:00Z', 1), [
      '2026-06-01T03:30:00.000Z',
    ]);
    // Lord Howe, 2026-10-04: 02:00 (+10:30) becomes 02:30 (+11:00).
    assert.deepEqual(firings(cron('15 2 * * *', 'Australia/Lord_Howe'), '2026-10-03T12:00:00Z', 1), [
      '2026-10-03T15:30:00.000Z',
    ]);
  });
});

/*
 * The reference: fire times found minute by minute. An instant fires when its wall time is later
 * than every wall time before it (so a repeated hour does not fire again) and some wall time
 * between the previous greatest and its own matches (so a time skipped by a gap fires at the gap's end).
 */
function bruteForce(
  fields: ReturnType<typeof parseCron>,
  zone: string,
  after: number,
  horizon: number,
): number | undefined {
  const matches = (wall: number): boolean => {
    const w = new Date(wall);
    const dom = fields.daysOfMonth.has(w.getUTCDate());
    const dow = fields.daysOfWeek.has(w.getUTCDay());
    const day = fields.domRestricted && fields.dowRestricted ? dom || dow : dom && dow;
    return (
      day &&
      fields.months.has(w.getUTCMonth() + 1) &&
      fields.hours.has(w.getUTCHours()) &&
      fields.minutes.has(w.getUTCMinutes())
    );
  };
  let greatest = Number.NEGATIVE_INFINITY;
  for (let t = Math.floor(after / 60_000) * 60_000 - 26 * 3_600_000; t <= horizon; t += 60_000) {
    const wall = wallOf(t, zone);
    if (wall <= greatest) continue;
    let fires = false;
    const from = greatest === Number.NEGATIVE_INFINITY ? wall : greatest + 60_000;
    for (let w = from; w <= wall && !fires; w += 60_000) fires = matches(w);
    greatest = wall;
    if (fires && t > after) return t;
  }
  return undefined;
}

describe('timers: cron nextFire against a minute-by-minute search', () => {
  const zones = [
    'UTC',
    'Europe/Berlin',
    'America/New_York',
    'America/Sao_Paulo',
    'Australia/Lord_Howe',
    'Australia/Sydney',
    'Asia/Kathmandu',
    'Pacific/Chatham',
    'America/St_Johns',
  ];
  const subset = (min: number, max: number): fc.Arbitrary<string> =>
    fc.oneof(
      fc.constant('*'),
      fc.uniqueArray(fc.integer({ min, max }), { minLength: 1, maxLength: 4 }).map((v) => v.join(',')),
      fc.tuple(fc.integer({ min, max }), fc.integer({ min: 1, max: 20 })).map(([a, s]) => `${a}-${max}/${s}`),
    );
  // Hours 0-4 and the months and days around DST changes make the transitions likely.
  const spec = fc
    .tuple(
      subset(0, 59),
      fc.oneof(subset(0, 23), subset(0, 4)),
      fc.oneof(fc.constant('*'), subset(1, 31)),
      subset(0, 6),
    )
    .map(([m, h, dom, dow]) => `${m} ${h} ${dom} * ${dow}`);
  const after = fc.oneof(
    fc.integer({ min: utc('2020-01-01T00:00:00Z'), max: utc('2032-01-01T00:00:00Z') }),
    fc
      .tuple(
        fc.integer({ min: 2021, max: 2030 }),
        fc.constantFrom(2, 3, 8, 9, 10),
        fc.integer({ min: 0, max: 40 * 86_400_000 }),
      )
      .map(([y, mo, offset]) => Date.UTC(y, mo, 1) + offset),
  );

  it('finds the same next firing within eight days, in random zones', function () {
    this.timeout(120_000);
    fc.assert(
      fc.property(spec, fc.constantFrom(...zones), after, (expression, zone, from) => {
        const fields = parseCron(expression);
        const horizon = from + 8 * 86_400_000;
        const expected = bruteForce(fields, zone, from, horizon);
        const actual = nextFire(parseSchedule({ cron: expression, tz: zone }), from);
        if (expected === undefined) assert.ok(actual === undefined || actual > horizon, `${actual} within the horizon`);
        else
          assert.equal(
            actual === undefined ? 'none' : new Date(actual).toISOString(),
            new Date(expected).toISOString(),
          );
      }),
      { numRuns: 100 },
    );
  });

  it('maps every wall time to an instant showing it, or to the end of its gap', function () {
    this.timeout(60_000);
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: utc('2020-01-01T00:00:00Z'), max: utc('2032-01-01T00:00:00Z') }),
        (zone, t) => {
          const wall = Math.floor(t / 60_000) * 60_000;
          const instant = firstInstantOf(wall, zone);
          const shown = wallOf(instant, zone);
          const earlier = Array.from({ length: 90 }, (_, k) => wallOf(instant - (k + 1) * 60_000, zone));
          if (shown === wall)
            assert.ok(
              earlier.every((w) => w !== wall),
              'the first occurrence',
            );
          else assert.ok(shown > wall && wallOf(instant - 60_000, zone) < wall, 'the end of a gap');
        },
      ),
      { numRuns: 300 },
    );
  });
});
