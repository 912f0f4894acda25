import type { MessageEnvelope } from '@praas/framework/internal';

/** A sender as a snapshot carries it: sender id, its incarnation, the last sequence number accepted. */
export type SenderEntry = readonly [from: string, epoch: string, seq: number];

/**
 * What a receiver knows of each sender's numbering (DESIGN §5, §5a): per sender, its incarnation
 * and the last sequence number accepted from it. A live message is taken only when it is the next
 * of its sender (or one seen before, which the mailbox drops again by id); a new incarnation of a
 * sender starts again at 1.
 */
export class SenderSequences {
  private readonly senders = new Map<string, { epoch: string; seq: number }>();

  /** True when `message` is the next of its sender, or one already passed. */
  inSequence(message: MessageEnvelope): boolean {
    const last = this.senders.get(message.from);
    if (last === undefined || last.epoch !== message.epoch) return message.seq === 1;
    return message.seq <= last.seq + 1;
  }

  /**
   * Records an accepted message. Queued messages are accepted whatever their number (the backup
   * queue holds each sender's messages in its order); an older one never moves the count back.
   */
  accept(message: MessageEnvelope): void {
    const last = this.senders.get(message.from);
    if (!last || last.epoch !== message.epoch || message.seq > last.seq) {
      this.senders.set(message.from, { epoch: message.epoch, seq: message.seq });
    }
  }

  /** Every sender, for a snapshot. */
  entries(): SenderEntry[] {
    return [...this.senders].map(([from, s]) => [from, s.epoch, s.seq] as const);
  }

  /** Takes the senders of a snapshot. */
  restore(entries: readonly SenderEntry[]): void {
    for (const [from, epoch, seq] of entries) this.senders.set(from, { epoch, seq });
  }
}
