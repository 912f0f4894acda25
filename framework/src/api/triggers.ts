import { InvalidArgumentError } from '../errors';
import { parseSchedule, type CatchUp } from '../timers/schedule';

/** Each invocation message starts one call. */
export interface StandardTrigger {
  readonly kind: 'standard';
}

/** The call starts when `count` messages with the same invocation key arrived (or `maxWaitMs` passed). */
export interface MultiSourceTrigger {
  readonly kind: 'multiSource';
  readonly count: number;
  readonly maxWaitMs?: number;
}

/** The call starts when `size` messages of any key arrived, or `maxWaitMs` after the first one. */
export interface BatchTrigger {
  readonly kind: 'batch';
  readonly size: number;
  readonly maxWaitMs?: number;
}

/**
 * A standard function that also fires on a schedule, for every process of the class: the timer is
 * created with the process (keyed by the function's name) and fires with no data.
 */
export interface ScheduleTrigger {
  readonly kind: 'schedule';
  readonly spec: ScheduleTriggerOptions;
}

export type Trigger = StandardTrigger | MultiSourceTrigger | BatchTrigger | ScheduleTrigger;

/** When a declared schedule fires: an interval or a cron expression (in `tz`, default UTC). */
export type ScheduleTriggerOptions = (
  { readonly every: string | number } | { readonly cron: string; readonly tz?: string }
) & {
  /** Missed firings fire once on recovery (`once`, the default) or not at all (`skip`). */
  readonly catchUp?: CatchUp;
};

/** Whether calls of a function with this trigger start one per invocation (standard and schedule). */
export function startsPerInvocation(trigger: Trigger): trigger is StandardTrigger | ScheduleTrigger {
  return trigger.kind === 'standard' || trigger.kind === 'schedule';
}

export interface MultiSourceOptions {
  count: number;
  maxWaitMs?: number;
}

export interface BatchOptions {
  size: number;
  maxWaitMs?: number;
}

function positiveInteger(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${what} must be an integer of at least 1, got ${JSON.stringify(value)}`, {
      [what]: value,
    });
  }
  return value;
}

function optionalWait(what: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(
      `${what} must be a non-negative number of milliseconds, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** The default trigger: one invocation message, one call. */
export function standard(): StandardTrigger {
  return Object.freeze({ kind: 'standard' });
}

/**
 * Fires once `count` messages carrying the same invocation key arrived. Every contributing
 * `invoke` receives the call's result, so it doubles as a barrier or an all-reduce.
 * @example `@Fn({ trigger: multiSource({ count: 8 }) }) reduce(parts: Part<number>[]) {...}`
 */
export function multiSource(options: MultiSourceOptions): MultiSourceTrigger {
  const count = positiveInteger('multiSource count', options?.count);
  const maxWaitMs = optionalWait('multiSource maxWaitMs', options.maxWaitMs);
  return Object.freeze(
    maxWaitMs === undefined ? { kind: 'multiSource', count } : { kind: 'multiSource', count, maxWaitMs },
  );
}

/** Fires with `size` messages of any key, or with what arrived `maxWaitMs` after the first one. */
export function batch(options: BatchOptions): BatchTrigger {
  const size = positiveInteger('batch size', options?.size);
  const maxWaitMs = optionalWait('batch maxWaitMs', options.maxWaitMs);
  return Object.freeze(maxWaitMs === undefined ? { kind: 'batch', size } : { kind: 'batch', size, maxWaitMs });
}

/**
 * Fires the function on a schedule for every process of the class, from its creation on: durable
 * (kept outside the process, it swaps the process in when due) and retried until it succeeds. The
 * function stays callable like a standard one; a firing passes `undefined` as data and sets `ctx.timer`.
 * @example
 * ```ts
 * @Fn({ trigger: schedule({ every: '5m' }) }) flush(_: undefined, ctx: Context) {...}
 * @Fn({ trigger: schedule({ cron: '0 3 * * *', tz: 'Europe/Berlin' }) }) nightly() {...}
 * ```
 * @throws InvalidArgumentError naming what is wrong with the schedule.
 */
export function schedule(options: ScheduleTriggerOptions): ScheduleTrigger {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`schedule() takes { every } or { cron, tz? }, got ${String(options)}`);
  }
  const raw = options as Record<string, unknown>;
  for (const k of ['at', 'afterMs', 'key']) {
    if (raw[k] !== undefined) {
      throw new InvalidArgumentError(
        `schedule() declares a recurring schedule for every process: it takes every or cron, not '${k}' (use ctx.schedule for one-shot timers)`,
      );
    }
  }
  parseSchedule(options);
  return Object.freeze({ kind: 'schedule', spec: Object.freeze({ ...options }) });
}
