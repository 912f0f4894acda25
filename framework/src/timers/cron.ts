import { InvalidArgumentError } from '../errors';
import { firstInstantOf, wallOf } from './zoned-time';

/** A parsed five-field cron expression: the values each field allows. */
export interface CronFields {
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly daysOfMonth: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  /** 0 (Sunday) to 6; a 7 in the expression is Sunday too. */
  readonly daysOfWeek: ReadonlySet<number>;
  /**
   * Whether day of month and day of week are each restricted (the field does not start with `*`).
   * As in Vixie cron, when both are, a day matches when either matches; otherwise both must.
   */
  readonly domRestricted: boolean;
  readonly dowRestricted: boolean;
}

interface FieldRule {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const RULES: readonly FieldRule[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES },
  { name: 'day of week', min: 0, max: 7, names: DAY_NAMES },
];
/** The most days each month can have (February in a leap year). */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const MINUTE = 60_000;
/** Every accepted expression fires within this many years (the leap-day cycle plus slack). */
const SEARCH_YEARS = 9;

/**
 * Parses a five-field cron expression: minute hour day-of-month month day-of-week. Each field is
 * `*`, a value, a range `a-b`, a step `*\/n`, `a-b/n` or `a/n` (a to the field's end), or a comma
 * list of these; months and days of week also take names (`JAN`, `MON`, any case).
 * @throws InvalidArgumentError naming the field and what is wrong with it, or an expression that can never fire.
 */
export function parseCron(expression: unknown): CronFields {
  if (typeof expression !== 'string') {
    throw new InvalidArgumentError(`cron must be a string of five fields, got ${typeof expression}`);
  }
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) {
    throw new InvalidArgumentError(
      `cron ${JSON.stringify(expression)} must have 5 fields (minute hour day-of-month month day-of-week), it has ${fields.length}`,
    );
  }
  const sets = fields.map((text, i) => parseField(expression, text, RULES[i]!));
  const [minutes, hours, daysOfMonth, months, dow] = sets as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  if (dow.delete(7)) dow.add(0);
  const cron: CronFields = {
    minutes,
    hours,
    daysOfMonth,
    months,
    daysOfWeek: dow,
    domRestricted: !fields[2]!.startsWith('*'),
    dowRestricted: !fields[4]!.startsWith('*'),
  };
  const possible = [...months].some((m) => [...daysOfMonth].some((d) => d <= MONTH_DAYS[m - 1]!));
  if (!possible && !(cron.domRestricted && cron.dowRestricted)) {
    throw new InvalidArgumentError(`cron ${JSON.stringify(expression)} can never fire: no month has those days`);
  }
  return cron;
}

function parseField(expression: string, text: string, rule: FieldRule): Set<number> {
  const bad = (problem: string): InvalidArgumentError =>
    new InvalidArgumentError(
      `cron ${JSON.stringify(expression)}: ${rule.name} field ${JSON.stringify(text)} ${problem}`,
      {
        field: rule.name,
      },
    );
  const value = (token: string): number => {
    const index = rule.names?.indexOf(token.toUpperCase()) ?? -1;
    if (index >= 0) return index + (rule.min === 1 ? 1 : 0);
    if (!/^\d+$/.test(token))
      throw bad(`has ${JSON.stringify(token)}, which is not a number${rule.names ? ' or a name' : ''}`);
    const n = Number(token);
    if (n < rule.min || n > rule.max) throw bad(`has ${n}, outside ${rule.min}-${rule.max}`);
    return n;
  };
  const result = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined || range === undefined || range === '')
      throw bad(`has a malformed part ${JSON.stringify(part)}`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0)
        throw bad(`has step ${JSON.stringify(stepText)}, not a positive number`);
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [rule.min, rule.max];
    else if (range.includes('-')) {
      const [a, b, more] = range.split('-');
      if (more !== undefined || !a || !b) throw bad(`has a malformed range ${JSON.stringify(range)}`);
      [from, to] = [value(a), value(b)];
      if (from > to) throw bad(`has range ${range}, which runs backwards`);
    } else {
      from = value(range);
      to = stepText === undefined ? from : rule.max;
    }
    for (let v = from; v <= to; v += step) result.add(v);
  }
  return result;
}

function dayMatches(cron: CronFields, wall: Date): boolean {
  const dom = cron.daysOfMonth.has(wall.getUTCDate());
  const dow = cron.daysOfWeek.has(wall.getUTCDay());
  return cron.domRestricted && cron.dowRestricted ? dom || dow : dom && dow;
}

/**
 * The first instant after `after` (epoch ms) at which `cron` fires in `zone`. Each matching wall
 * time fires once: at its first occurrence when clocks are set back (a repeated hour does not fire
 * again), and at the first minute after the gap when clocks are set forward over it.
 */
export function nextCronFire(cron: CronFields, zone: string, after: number): number | undefined {
  // Walk wall times from the minute after `after`'s wall time: an earlier wall time's first instant is not after `after`.
  let wall = wallOf(after, zone) + MINUTE;
  const end = Date.UTC(new Date(wall).getUTCFullYear() + SEARCH_YEARS, 0, 1);
  while (wall < end) {
    const w = new Date(wall);
    const [y, mo, d, h] = [w.getUTCFullYear(), w.getUTCMonth(), w.getUTCDate(), w.getUTCHours()];
    if (!cron.months.has(mo + 1)) wall = Date.UTC(y, mo + 1, 1);
    else if (!dayMatches(cron, w)) wall = Date.UTC(y, mo, d + 1);
    else if (!cron.hours.has(h)) wall = Date.UTC(y, mo, d, h + 1);
    else if (!cron.minutes.has(w.getUTCMinutes())) wall += MINUTE;
    else {
      const instant = firstInstantOf(wall, zone);
      // Inside a repeated hour the first occurrence of a wall time may lie before `after`.
      if (instant > after) return instant;
      wall += MINUTE;
    }
  }
  return undefined;
}
