import type { ProcessStatus } from './context';

/** Longest text shown for one value by default; longer ones are cut and marked `truncated`. */
export const DEFAULT_INSPECT_MAX_CHARS = 1_024;
/** Unread mailbox messages shown at most (the depth counts them all). */
export const INSPECT_MAILBOX_HEAD = 10;

/** One value of a process's state, as the inspector shows it. */
export interface InspectedValue {
  /** Field name, or key of the keyed state. */
  readonly name: string;
  /** The value as JSON-like text (Maps, Sets, Dates, typed arrays and bigints spelled out), cut at the limit. */
  readonly preview: string;
  /** Size of the encoded value in bytes. */
  readonly bytes: number;
  /** The preview was cut. */
  readonly truncated: boolean;
}

/** One unread message of the mailbox. */
export interface InspectedMessage {
  readonly from: string;
  readonly key: string;
  readonly preview: string;
  readonly bytes: number;
  readonly truncated: boolean;
}

/** A partial multi-source or batch accumulation: the messages that arrived for a call that has not fired. */
export interface InspectedAccumulation {
  readonly fn: string;
  /** The invocation key (multi-source); absent for batch. */
  readonly key?: string;
  /** Messages accumulated so far. */
  readonly count: number;
  /** When the first one arrived (epoch ms). */
  readonly firstAt: number;
}

/**
 * What a process holds (DESIGN §8b): read from the live process, or from its newest committed
 * snapshot when it is swapped out, which is never swapped in for this.
 */
export interface ProcessInspection {
  readonly app: string;
  readonly pid: string;
  readonly processClass: string;
  readonly status: ProcessStatus;
  /** Newest committed snapshot generation (0 before the first). */
  readonly generation: number;
  /** Deployed code version the process runs; absent for hosts with a local module. */
  readonly version?: number;
  /** The host holding it while active. */
  readonly host?: string;
  /** `live` (read from the active process) or `snapshot` (its newest committed snapshot; `none` when it has none yet). */
  readonly source: 'live' | 'snapshot' | 'none';
  /** When the snapshot read was taken (epoch ms); for `live`, now. */
  readonly takenAt: number;
  readonly fields: readonly InspectedValue[];
  readonly keyed: readonly InspectedValue[];
  readonly mailbox: { readonly depth: number; readonly head: readonly InspectedMessage[] };
  readonly triggers: readonly InspectedAccumulation[];
}

export interface InspectOptions {
  /** Longest text per value (default {@link DEFAULT_INSPECT_MAX_CHARS}). */
  readonly maxChars?: number;
}
