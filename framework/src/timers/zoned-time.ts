import { InvalidArgumentError } from '../errors';

/*
 * Wall-clock time in an IANA zone through Intl only (no time-zone database of our own). A "wall"
 * is the local date and time of a zone written as if it were UTC epoch ms (Date.UTC of the local
 * fields), so wall arithmetic (next day, next hour) is plain Date.UTC arithmetic.
 */
const MINUTE = 60_000;
const DAY = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/**
 * The zone's canonical name when Intl knows it.
 * @throws InvalidArgumentError naming the zone when Intl does not know it.
 */
export function validateTimeZone(zone: unknown): string {
  if (typeof zone !== 'string' || zone.length === 0) {
    throw new InvalidArgumentError(`tz must be an IANA time zone name such as 'Europe/Berlin', got ${String(zone)}`);
  }
  try {
    formatter(zone);
  } catch (cause) {
    throw new InvalidArgumentError(
      `unknown time zone ${JSON.stringify(zone)}: use an IANA name such as 'Europe/Berlin'`,
      {
        tz: zone,
        reason: cause instanceof Error ? cause.message : String(cause),
      },
    );
  }
  return zone;
}

/** The wall time (minute precision) of the instant `epochMs` in `zone`. */
export function wallOf(epochMs: number, zone: string): number {
  if (zone === 'UTC') return Math.floor(epochMs / MINUTE) * MINUTE;
  const parts = formatter(zone).formatToParts(epochMs);
  const field = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((p) => p.type === type)?.value ?? NaN);
  return Date.UTC(field('year'), field('month') - 1, field('day'), field('hour'), field('minute'));
}

/**
 * The first instant whose wall time in `zone` is `wall`: its earlier occurrence when the wall
 * time repeats (clocks set back), and when it does not exist (clocks set forward over it) the
 * instant of the transition, the first minute that exists after it.
 */
export function firstInstantOf(wall: number, zone: string): number {
  if (zone === 'UTC') return wall;
  const before = wall - wallOf(wall - DAY, zone) + (wall - DAY);
  const after = wall - wallOf(wall + DAY, zone) + (wall + DAY);
  // `before` and `after` are `wall` minus the zone's offset a day earlier and a day later.
  const found = [before, after].filter((u) => wallOf(u, zone) === wall);
  if (found.length > 0) return Math.min(...found);
  // A gap: the wall time jumps over `wall` somewhere between the two; find the first minute past it.
  let lo = Math.min(before, after);
  let hi = Math.max(before, after);
  while (hi - lo > MINUTE) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
    if (wallOf(mid, zone) > wall) hi = mid;
    else lo = mid;
  }
  return hi;
}
