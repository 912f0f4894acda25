import { InvalidArgumentError } from '../errors';
import { validateName } from '../wire/names';
import { nextCronFire, parseCron } from './cron';
import { validateTimeZone } from './zoned-time';

/** What to do with firings a schedule missed while nothing could fire it (everything was down). */
export type CatchUp = 'once' | 'skip';

/** When a timer fires, as a user writes it: exactly one of `at`, `afterMs`, `every` or `cron`. */
export type ScheduleSpec = (
  | { readonly at: Date | string }
  | { readonly afterMs: number }
  | { readonly every: string | number }
  | { readonly cron: string; readonly tz?: string }
) & {
  /** Missed firings fire once on recovery, with their scheduled time (`once`, the default), or not at all (`skip`). */
  readonly catchUp?: CatchUp;
  /** Makes scheduling idempotent: a timer with the same key replaces the earlier one. */
  readonly key?: string;
};

interface ScheduleCommon {
  readonly catchUp: CatchUp;
  readonly key?: string;
}
/**
 * A validated schedule: plain JSON, so it is stored with the timer. A one-shot (`at`, also what
 * `afterMs` becomes), a fixed interval counted from `anchor`, or a cron expression in a zone.
 */
export type Schedule =
  | (ScheduleCommon & { readonly kind: 'at'; readonly at: number })
  | (ScheduleCommon & { readonly kind: 'every'; readonly everyMs: number; readonly anchor: number })
  | (ScheduleCommon & { readonly kind: 'cron'; readonly cron: string; readonly tz: string });

const KINDS = ['at', 'afterMs', 'every', 'cron'] as const;
const KNOWN = new Set<string>([...KINDS, 'tz', 'catchUp', 'key']);
const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;

/**
 * Validates a schedule as a user wrote it. `afterMs` becomes an `at` counted from `now`; `every`
 * is anchored at `now` (its first firing is one interval later).
 * @example
 * ```ts
 * parseSchedule({ cron: '0 3 * * MON-FRI', tz: 'Europe/Berlin' });
 * parseSchedule({ every: '5m', key: 'heartbeat' });
 * ```
 * @throws InvalidArgumentError naming what is wrong with the spec.
 */
export function parseSchedule(spec: ScheduleSpec, now: number = Date.now()): Schedule {
  if (typeof spec !== 'object' || spec === null) {
    throw new InvalidArgumentError(`a schedule must be an object with one of ${KINDS.join(', ')}, got ${String(spec)}`);
  }
  const raw = spec as Record<string, unknown>;
  const unknown = Object.keys(raw).filter((k) => !KNOWN.has(k));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(
      `a schedule has no option ${unknown.map((k) => `'${k}'`).join(', ')}; it takes ${[...KNOWN].join(', ')}`,
    );
  }
  const given = KINDS.filter((k) => raw[k] !== undefined);
  if (given.length !== 1) {
    throw new InvalidArgumentError(
      `a schedule needs exactly one of ${KINDS.join(', ')}, got ${given.length === 0 ? 'none' : given.join(' and ')}`,
    );
  }
  if (raw.tz !== undefined && given[0] !== 'cron') throw new InvalidArgumentError(`tz only applies to a cron schedule`);
  const catchUp = raw.catchUp ?? 'once';
  if (catchUp !== 'once' && catchUp !== 'skip') {
    throw new InvalidArgumentError(`catchUp must be 'once' or 'skip', got ${JSON.stringify(catchUp)}`);
  }
  const common: ScheduleCommon = {
    catchUp,
    ...(raw.key === undefined ? {} : { key: validateName('timer key', raw.key) }),
  };
  switch (given[0]!) {
    case 'at':
      return { kind: 'at', at: parseAt(raw.at), ...common };
    case 'afterMs': {
      const ms = raw.afterMs;
      if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 0) {
        throw new InvalidArgumentError(`afterMs must be a non-negative integer of milliseconds, got ${String(ms)}`);
      }
      return { kind: 'at', at: now + ms, ...common };
    }
    case 'every':
      return { kind: 'every', everyMs: parseInterval(raw.every), anchor: now, ...common };
    case 'cron':
      parseCron(raw.cron);
      return {
        kind: 'cron',
        cron: raw.cron as string,
        tz: raw.tz === undefined ? 'UTC' : validateTimeZone(raw.tz),
        ...common,
      };
  }
}

function parseAt(at: unknown): number {
  const ms =
    at instanceof Date ? at.getTime() : typeof at === 'string' && ISO_DATE.test(at) ? Date.parse(at) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new InvalidArgumentError(
      `at must be a valid Date or an ISO 8601 string such as '2026-12-24T18:00:00Z', got ${at instanceof Date ? 'an invalid Date' : JSON.stringify(at)}`,
    );
  }
  return ms;
}

/** An interval: a positive integer of milliseconds, or a string like `500ms`, `30s`, `5m`, `2h`, `1d`. */
export function parseInterval(every: unknown): number {
  let ms = Number.NaN;
  if (typeof every === 'number') ms = every;
  else if (typeof every === 'string') {
    const match = /^(\d+)(ms|s|m|h|d)$/.exec(every.trim());
    if (match) ms = Number(match[1]) * UNITS[match[2]!]!;
  }
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    throw new InvalidArgumentError(
      `every must be a positive integer of milliseconds or a string like '500ms', '30s', '5m', '2h', '1d', got ${JSON.stringify(every)}`,
    );
  }
  return ms;
}

/**
 * The first time (epoch ms) after `after` at which `schedule` fires, or undefined when it never
 * fires again (a one-shot whose time has passed).
 */
export function nextFire(schedule: Schedule, after: number): number | undefined {
  switch (schedule.kind) {
    case 'at':
      return schedule.at > after ? schedule.at : undefined;
    case 'every': {
      const { anchor, everyMs } = schedule;
      if (after < anchor) return anchor + everyMs;
      return anchor + (Math.floor((after - anchor) / everyMs) + 1) * everyMs;
    }
    case 'cron':
      return nextCronFire(parseCron(schedule.cron), schedule.tz, after);
  }
}

/**
 * When a timer with `schedule`, created at `now`, is first due: a one-shot at its time even when
 * that has passed (it fires at once), a recurring schedule at its next firing.
 */
export function firstFire(schedule: Schedule, now: number): number {
  if (schedule.kind === 'at') return schedule.at;
  const next = nextFire(schedule, now);
  // parseCron rejects the expressions that never fire, and an interval always fires again.
  if (next === undefined) throw new InvalidArgumentError(`schedule ${JSON.stringify(schedule)} never fires`);
  return next;
}
