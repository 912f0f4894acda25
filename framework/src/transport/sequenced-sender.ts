import { newId } from '../wire/ids';
import type { InvokeEnvelope, MessageEnvelope } from '../wire/envelope';

/** What a sender keeps to go on numbering where it left off (a process's snapshot carries it). */
export interface SenderState {
  /** The sender's incarnation: a receiver restarts its count of this sender when it changes. */
  readonly epoch: string;
  /** The last sequence number given per receiver. */
  readonly seq: readonly (readonly [string, number])[];
}

/** Options of {@link SequencedSender.message}. */
export interface SequencedMessageOptions {
  /** Message id; a retry with the same id lands once (default: a new id). */
  readonly id?: string;
  /** The function the message is addressed to instead of the mailbox. */
  readonly fn?: string;
}

/** Options of {@link SequencedSender.invocation}. */
export interface SequencedInvocationOptions {
  /** Invocation id; a retry with the same id does not run the function twice (default: a new id). */
  readonly id?: string;
  /** Invocation key of a multi-source trigger. */
  readonly key?: string;
  /** How long the caller waits; the receiver may drop the reply after that. */
  readonly timeoutMs?: number;
}

/**
 * One sender's identity on the data plane and the numbering of its messages (DESIGN §5): the
 * sender id, its incarnation (`epoch`), and a sequence number per receiver, counted in call order.
 * Receivers take a sender's messages in that order and drop a second copy of an id. Every sender
 * builds its envelopes here: processes, the gateway and the client.
 *
 * `receiver` keys the count: a pid when all receivers are in one application, `app/pid` (see
 * {@link receiverKey}) when they are not.
 * @example
 * ```ts
 * const sender = new SequencedSender(`client:${newId().slice(0, 8)}`);
 * await dataPlane.send(pid, sender.message(receiverKey(app, pid), 'greeting', encode('hi')));
 * ```
 */
export class SequencedSender {
  private epochValue: string;
  private readonly seq = new Map<string, number>();

  /** @param from the sender id envelopes carry: a pid, or `client:<id>` from outside the application. */
  constructor(
    readonly from: string,
    state?: SenderState,
  ) {
    this.epochValue = newId();
    if (state) this.restore(state);
  }

  /** This sender's incarnation. */
  get epoch(): string {
    return this.epochValue;
  }

  /** The next message to `receiver`, numbered after the ones built before it. */
  message(receiver: string, key: string, data: Uint8Array, options: SequencedMessageOptions = {}): MessageEnvelope {
    const seq = (this.seq.get(receiver) ?? 0) + 1;
    this.seq.set(receiver, seq);
    const id = options.id ?? newId();
    const fn = options.fn;
    // One object literal per shape, no spreads: this is the hot path of every send.
    return fn === undefined
      ? { t: 'msg', id, from: this.from, epoch: this.epochValue, seq, key, data }
      : { t: 'msg', id, from: this.from, epoch: this.epochValue, seq, key, data, fn };
  }

  /** An invocation of `fn` from this sender. Invocations are not numbered: each one is answered. */
  invocation(fn: string, data: Uint8Array, options: SequencedInvocationOptions = {}): InvokeEnvelope {
    const { key, timeoutMs } = options;
    return {
      t: 'inv',
      id: options.id ?? newId(),
      from: this.from,
      fn,
      ...(key === undefined ? {} : { key }),
      data,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    };
  }

  /** The incarnation and the counts so far, for a snapshot. */
  state(): SenderState {
    return { epoch: this.epochValue, seq: [...this.seq] };
  }

  /** Goes on from a saved state: same incarnation, counts where they were. */
  restore(state: SenderState): void {
    this.epochValue = state.epoch;
    this.seq.clear();
    for (const [receiver, seq] of state.seq) this.seq.set(receiver, seq);
  }
}

/** The receiver key of a process for a sender that sends to several applications. */
export function receiverKey(app: string, pid: string): string {
  return `${app}/${pid}`;
}
