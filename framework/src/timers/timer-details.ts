import type { Schedule } from './schedule';
import type { TimerRecord } from './timer-store';

/**
 * A durable timer as the gateway, the CLI and the dashboard show it (`GET /v1/apps/{app}/timers`):
 * plain JSON, times both as ISO text and epoch ms. The payload is never shown, only its size: it is
 * the application's data, which the listing's read scope does not cover.
 */
export interface TimerDetails {
  readonly app: string;
  readonly pid: string;
  readonly id: string;
  /** The function the firing invokes. */
  readonly fn: string;
  readonly schedule: Schedule;
  /** When the timer is next due, ISO 8601 (UTC). */
  readonly dueAt: string;
  readonly dueAtMs: number;
  /**
   * While a failed firing is retried (`dueAt` is then the retry's time): the time that firing was
   * scheduled for, ISO 8601 (UTC) and epoch ms. Absent when `dueAt` is the scheduled time.
   */
  readonly scheduledAt?: string;
  readonly scheduledAtMs?: number;
  /** The scheduling key, when the timer was scheduled with one. */
  readonly key?: string;
  /** Failed firings of the current due time so far (0 before the first firing). */
  readonly attempt: number;
  /** When the timer was scheduled, ISO 8601 (UTC). */
  readonly createdAt: string;
  /** Set while a firer holds the firing: who, and until when. */
  readonly lease?: { readonly holder: string; readonly until: string; readonly untilMs: number };
  /** Size of the encoded payload the firing passes to the function, in bytes. */
  readonly payloadBytes: number;
}

/** One page of {@link TimerDetails}, with the cursor of the next page (absent when the walk is complete). */
export interface TimerDetailsPage {
  readonly timers: TimerDetails[];
  readonly cursor?: string;
}

/** What a listing of timers asks for: one page, optionally of one process. */
export interface TimerListQuery {
  /** At most this many timers (1 to 1 000, default 100). */
  readonly limit?: number;
  /** The `cursor` of the previous page. */
  readonly cursor?: string;
}

/** The public shape of a stored timer: its payload reduced to a size. */
export function timerDetails(record: TimerRecord): TimerDetails {
  return {
    app: record.app,
    pid: record.pid,
    id: record.id,
    fn: record.fn,
    schedule: record.schedule,
    dueAt: new Date(record.dueAt).toISOString(),
    dueAtMs: record.dueAt,
    ...(record.scheduledAt === undefined
      ? {}
      : { scheduledAt: new Date(record.scheduledAt).toISOString(), scheduledAtMs: record.scheduledAt }),
    ...(record.key === undefined ? {} : { key: record.key }),
    attempt: record.attempt,
    createdAt: new Date(record.createdAt).toISOString(),
    ...(record.lease === undefined
      ? {}
      : {
          lease: {
            holder: record.lease.owner,
            until: new Date(record.lease.until).toISOString(),
            untilMs: record.lease.until,
          },
        }),
    payloadBytes: record.data.byteLength,
  };
}
