import type { KvEntry, KvWatchOptions, QueuedIterator } from 'nats';
import { InvalidArgumentError, LoopHealth, UnavailableError } from '../../errors';
import type { Logger } from '../../logging/logger';
import { fromEntry } from './kv-codec';
import type { ProcessEvent, ProcessRecord, RegistryWatchOptions } from '../registry';

/** The first wait before a broken watch is re-established, and the longest (doubling in between). */
const REWATCH_FIRST_MS = 100;
const REWATCH_MAX_MS = 5_000;

/** What a {@link ProcessWatch} needs of the registry it watches. */
export interface ProcessWatchSource {
  readonly app: string;
  readonly logger: Logger;
  /** Opens a KV watch of the application's process keys, failures mapped as the registry maps them. */
  watch(options: Pick<KvWatchOptions, 'resumeFromRevision' | 'initializedFn'>): Promise<QueuedIterator<KvEntry>>;
  /** True once the registry is closed. */
  closed(): boolean;
  /** True once the NATS connection is closed. */
  connectionClosed(): boolean;
}

/**
 * One watch of an application's process records (NatsKvRegistry.watchProcesses): the replay that
 * `options` asks for, then the changes, with the watch re-established with backoff from the
 * revision after the last one seen whenever its consumer is lost (the loss and the recovery are
 * logged once each by a LoopHealth).
 */
export class ProcessWatch {
  private readonly known = new Map<string, ProcessRecord>();
  private readonly health: LoopHealth;
  // The replay ends when the watch is initialized. nats.js reports that either in order with the
  // entries (after the watch started), or at once when every replayed entry is already queued:
  // then it ends after as many entries as were received. A watch re-established before the end
  // of its replay goes on with it, and ends it the same way.
  private syncAfter: number | undefined;
  /** Without a replay there is nothing to sync with: every entry is a change. */
  private synced: boolean;
  private consumed = 0;
  private lastRevision: number;
  private stopped = false;
  private wake: (() => void) | undefined;
  private iterator: QueuedIterator<KvEntry> | undefined;
  /** Whether the replay is a snapshot of what exists (asked for, with no revision to resume after). */
  private readonly snapshot: boolean;

  /**
   * @param after the revision to resume after: with a replay, undefined for a snapshot; without
   *   one, the bucket's last revision (the changes after it are delivered, nothing before).
   */
  private constructor(
    private readonly source: ProcessWatchSource,
    private readonly listener: (event: ProcessEvent) => void,
    private readonly options: RegistryWatchOptions,
    after: number | undefined,
  ) {
    // Else the watch would start with every current record, each delivered as a change.
    if (options.replay === undefined && after === undefined)
      throw new InvalidArgumentError('a process watch without a replay needs the revision its changes start after');
    this.lastRevision = after ?? 0;
    this.snapshot = options.replay !== undefined && after === undefined;
    this.synced = options.replay === undefined;
    this.health = new LoopHealth(`the watch of the processes of '${source.app}'`, source.logger);
  }

  /**
   * Sets the watch up; nothing is delivered before {@link begin}.
   * @throws TimeoutError or UnavailableError when it cannot be set up.
   */
  static async open(
    source: ProcessWatchSource,
    listener: (event: ProcessEvent) => void,
    options: RegistryWatchOptions,
    after: number | undefined,
  ): Promise<ProcessWatch> {
    const watch = new ProcessWatch(source, listener, options, after);
    watch.iterator = await watch.openIterator(after === undefined ? undefined : after + 1);
    return watch;
  }

  /** Starts delivering: the snapshot notice, the replay, then the changes. */
  begin(): void {
    if (this.snapshot) this.options.onSnapshot?.();
    if (this.syncAfter === 0) this.sync();
    this.run().catch((e: unknown) => {
      // Only a listener that throws gets here: the watch cannot go on without losing its events.
      if (!this.source.closed())
        this.source.logger.error('the process watch stopped: its listener threw; it gets no more changes', {
          app: this.source.app,
          err: e,
        });
      this.stop();
    });
  }

  stop(): void {
    this.stopped = true;
    this.iterator?.stop();
    this.wake?.();
  }

  private gone(): boolean {
    return this.stopped || this.source.closed() || this.source.connectionClosed();
  }

  private sync(): void {
    if (this.synced) return;
    this.synced = true;
    this.options.onSynced?.();
  }

  private async openIterator(resumeFrom: number | undefined): Promise<QueuedIterator<KvEntry>> {
    let started = false;
    this.syncAfter = undefined;
    this.consumed = 0;
    const opened = await this.source.watch({
      ...(resumeFrom === undefined ? {} : { resumeFromRevision: resumeFrom }),
      initializedFn: () => {
        if (started) this.sync();
        else this.syncAfter = -1;
      },
    });
    started = true;
    if (this.syncAfter === -1) this.syncAfter = opened.getReceived();
    return opened;
  }

  // The records seen are kept, so that a later deletion carries the last record of the process.
  private deliver(entry: KvEntry): void {
    this.consumed++;
    this.lastRevision = Math.max(this.lastRevision, entry.revision);
    const pid = entry.key.slice(entry.key.indexOf('.') + 1);
    const replaying = !this.synced;
    if (entry.operation === 'PUT') {
      const record = fromEntry<ProcessRecord>(entry);
      this.known.set(pid, record);
      this.listener({ type: 'put', record, revision: entry.revision });
    } else {
      const last = this.known.get(pid);
      this.known.delete(pid);
      // A snapshot is what exists: a deletion in it is news to nobody.
      if (!replaying || !this.snapshot) {
        const updatedAt = entry.created.getTime();
        const record: ProcessRecord = last
          ? { ...last, status: 'deleted', updatedAt }
          : { app: this.source.app, pid, processClass: '', status: 'deleted', generation: 0, updatedAt };
        this.listener({ type: 'deleted', record, revision: entry.revision });
      }
    }
    if (this.syncAfter !== undefined && this.syncAfter > 0 && this.consumed >= this.syncAfter) this.sync();
  }

  private async run(): Promise<void> {
    for (;;) {
      try {
        for await (const entry of this.iterator!) this.deliver(entry);
        if (this.gone()) return;
        this.health.failed(new UnavailableError('the watch ended while it was still wanted'));
      } catch (e) {
        if (this.gone()) return;
        this.health.failed(e);
      }
      // Re-established with backoff until it works or the watch is no longer wanted.
      for (let wait = REWATCH_FIRST_MS; ; wait = Math.min(wait * 2, REWATCH_MAX_MS)) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, wait).unref();
        });
        this.wake = undefined;
        if (this.gone()) return;
        try {
          this.iterator = await this.openIterator(this.lastRevision + 1);
          if (this.gone()) this.iterator.stop();
          break;
        } catch (e) {
          this.health.failed(e);
        }
      }
      if (this.gone()) return;
      if (this.syncAfter === 0) this.sync();
      this.health.succeeded();
    }
  }
}
