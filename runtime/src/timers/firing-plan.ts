import { nextFire, type TimerRecord } from '@praas/framework/internal';

/** How a firer retries failed firings and judges late ones. */
export interface FiringPolicy {
  /** Backoff before the first retry (ms); it doubles with every further attempt. */
  readonly retryBaseMs: number;
  /** The longest backoff (ms). */
  readonly retryMaxMs: number;
  /** A firing later than this (ms) counts as missed: `catchUp: 'skip'` drops it. */
  readonly missedAfterMs: number;
}

/** What happens to a timer after a firing: it is removed, or written back as given. */
export type TimerChange = { readonly remove: true } | { readonly remove: false; readonly timer: TimerRecord };

/** The time the claimed firing of `t` was scheduled for. */
export function scheduledAtOf(t: TimerRecord): number {
  return t.scheduledAt ?? t.dueAt;
}

/**
 * The id of one firing: the timer's id, its creation and the firing's scheduled time. Every
 * delivery of that firing (retries, a re-delivery after a firer died) carries it, so the process
 * runs it once: a running or recent one is joined, a committed one is found among the ids the
 * process's snapshot remembers.
 */
export function firingId(t: TimerRecord): string {
  return `tmr-${t.id}-${t.createdAt.toString(36)}-${scheduledAtOf(t).toString(36)}`;
}

/** The timer after a successful firing: a one-shot is done, a recurring one moves to its next time after `now`. */
export function afterSuccess(t: TimerRecord, now: number): TimerChange {
  // A missed window fired once: the next firing is the first one after now, not the next missed one.
  const next = nextFire(t.schedule, Math.max(now, scheduledAtOf(t)));
  if (next === undefined) return { remove: true };
  return { remove: false, timer: fresh(t, next) };
}

/** The timer after a failed firing: the same firing again after a backoff, its attempt count kept. */
export function afterFailure(t: TimerRecord, now: number, policy: FiringPolicy): TimerChange {
  const backoff = Math.min(policy.retryMaxMs, policy.retryBaseMs * 2 ** Math.max(0, t.attempt - 1));
  const { lease: _lease, ...rest } = t;
  return { remove: false, timer: { ...rest, scheduledAt: scheduledAtOf(t), dueAt: now + backoff } };
}

/**
 * Whether the claimed firing is a missed window to drop (`catchUp: 'skip'`): its first delivery
 * comes more than `missedAfterMs` after its time. A retry is never dropped: it was not missed.
 */
export function skipsMissed(t: TimerRecord, now: number, policy: FiringPolicy): boolean {
  return t.schedule.catchUp === 'skip' && t.attempt === 1 && now - scheduledAtOf(t) > policy.missedAfterMs;
}

/** The timer due at `dueAt` with no firing in progress. */
function fresh(t: TimerRecord, dueAt: number): TimerRecord {
  const { lease: _lease, scheduledAt: _scheduledAt, ...rest } = t;
  return { ...rest, dueAt, attempt: 0 };
}
