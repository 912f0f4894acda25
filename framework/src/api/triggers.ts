import { InvalidArgumentError } from '../errors';

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

export type Trigger = StandardTrigger | MultiSourceTrigger | BatchTrigger;

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
