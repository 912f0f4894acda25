import {
  decodeEnvelope,
  type BackupQueue,
  type Envelope,
  type Logger,
  type Subscription,
} from '@praas/framework/internal';
import type { HostMetrics } from '../metrics/host-metrics';

const BACKUP_BATCH = 256;

/** What a {@link BackupDrainer} needs. */
export interface BackupDrainerDeps {
  readonly app: string;
  readonly pid: string;
  readonly backup: BackupQueue;
  /** Takes one queued envelope (a message, or an invocation whose reply goes to its `replyTo`). */
  readonly deliver: (envelope: Envelope) => void;
  readonly logger: Logger;
  /** Counters of this host (default: none). */
  readonly metrics?: HostMetrics;
}

/** True for traffic that starts a call: an invocation, or a message to a function. */
function startsWork(envelope: Envelope): boolean {
  return envelope.t === 'inv' || envelope.fn !== undefined;
}

/**
 * Takes what waits in a process's backup queue (DESIGN §5, §6), in queue order, and remembers how
 * far it got (`cursor`, carried by the snapshot). Passes never overlap; one that has not started
 * yet reads everything appended before it was asked for, so callers join it. While the queue is
 * watched, every append starts a pass.
 *
 * While work is held (a swap-out is attempted), a pass stops at the first invocation or message
 * to a function: work started then could not finish before the snapshot. Plain messages still go
 * to the mailbox, since the snapshot carries them.
 */
export class BackupDrainer {
  private position = 0;
  /** Entries taken since the last trim: still in the queue, and not yet in a committed snapshot. */
  private taken = 0;
  private holding = false;
  /** Settles when the last pass settled; never rejects (a pass's error goes to its callers). */
  private chain: Promise<void> = Promise.resolve();
  private next: Promise<void> | undefined;
  private watching: Subscription | undefined;

  constructor(private readonly deps: BackupDrainerDeps) {}

  /** Queue entries up to this position have been taken. */
  get cursor(): number {
    return this.position;
  }

  /** Entries taken from the queue that a committed snapshot does not hold yet (they are still in the queue). */
  get held(): number {
    return this.taken;
  }

  /** Goes on after a snapshot's cursor. */
  restore(cursor: number): void {
    this.position = cursor;
  }

  /** Whether passes leave invocations and messages to functions in the queue. */
  get holdingWork(): boolean {
    return this.holding;
  }

  /** Holds work back (true) or lets the next pass take it (false). */
  holdWork(hold: boolean): void {
    this.holding = hold;
  }

  /** Takes everything waiting in the queue, in order; concurrent calls share one pass. */
  drain(): Promise<void> {
    // A pass that has not started yet reads everything appended before this call: join it.
    if (this.next) return this.next;
    const run = this.chain.then(() => {
      this.next = undefined;
      return this.pass();
    });
    this.next = run;
    // The chain only orders passes: a failed pass rejects `run`, which its callers see.
    this.chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Starts a pass on every append to the queue. */
  async watch(): Promise<void> {
    this.watching = await this.deps.backup.watch(this.deps.app, this.deps.pid, () => this.recheck());
  }

  /**
   * While the queue is watched, reads it again now: an append's notice is a plain NATS message, so
   * one sent while this host was reconnecting never arrives (the host calls this on every reconnect).
   */
  recheck(): void {
    if (!this.watching) return;
    this.drain().catch((err: unknown) =>
      // Nothing is lost: the entries stay in the queue for the next append, gap or swap-in.
      this.deps.logger.warn('reading the backup queue failed; it is read again at the next arrival', { err }),
    );
  }

  /** Stops watching and waits for the pass that runs, if any. */
  async stop(): Promise<void> {
    const watching = this.watching;
    this.watching = undefined;
    await watching?.unsubscribe();
    await this.chain;
  }

  /** Removes the entries a committed snapshot holds; a failure leaves them for the next trim. */
  async trim(upTo: number): Promise<void> {
    try {
      await this.deps.backup.trim(this.deps.app, this.deps.pid, upTo);
      this.taken = 0;
    } catch (err) {
      this.deps.logger.warn('trimming the backup queue failed; the next committed snapshot trims it', {
        err,
        upTo,
      });
    }
  }

  private async pass(): Promise<void> {
    const { app, pid, backup, deliver, logger } = this.deps;
    for (;;) {
      const entries = await backup.read(app, pid, this.position, BACKUP_BATCH);
      if (entries.length === 0) return;
      for (const entry of entries) {
        let envelope: Envelope | undefined;
        try {
          envelope = decodeEnvelope(entry.data);
        } catch (err) {
          // Undecodable entries cannot be delivered; skipping keeps the queue moving.
          logger.warn('skipped a backup-queue entry that does not decode', { err, seq: entry.seq });
        }
        if (envelope && startsWork(envelope) && this.holding) return; // For the next swap-in, or a failed swap-out.
        if (envelope) deliver(envelope);
        this.position = entry.seq;
        this.taken++;
        this.deps.metrics?.backupDrained.inc();
      }
    }
  }
}
