import {
  decode,
  encode,
  encodeParts,
  EncodeError,
  type Logger,
  type ProcessDefinition,
  type SequencedSender,
} from '@praas/framework';
import type { Mailbox } from '../mailbox/mailbox';
import type { SenderSequences } from '../mailbox/sender-sequences';
import type { KeyedState } from '../state/keyed-state';
import {
  decodeSnapshot,
  encodeSnapshot,
  SNAPSHOT_FORMAT,
  type RestoredSnapshot,
  type SnapshotContent,
} from '../state/snapshot';
import type { SnapshotRepository } from '../state/snapshot-repository';
import type { StateTypeCheck } from '../state/state-type-check';
import type { PersistedAccumulation, TriggerEngine } from '../triggers/trigger-engine';
import type { BackupDrainer } from './backup-drainer';
import type { CallRunner } from './call-runner';
import type { InboundDispatcher } from './inbound-dispatcher';
import type { LifeCycle } from './life-cycle';

/** What a {@link Snapshotter} needs: the parts of the process a snapshot holds, and where it goes. */
export interface SnapshotterDeps {
  readonly app: string;
  readonly pid: string;
  readonly definition: ProcessDefinition;
  readonly snapshots: SnapshotRepository;
  /** Warns about class instances in fields that a swap would turn into plain objects. */
  readonly stateTypes: StateTypeCheck;
  readonly lifeCycle: LifeCycle;
  readonly runner: CallRunner;
  readonly keyedState: KeyedState;
  readonly mailbox: Mailbox;
  readonly senders: SenderSequences;
  readonly sender: SequencedSender;
  readonly drainer: BackupDrainer;
  readonly triggers: TriggerEngine;
  readonly inbound: InboundDispatcher;
  /** Writes the process's registry record (with the new generation) after a checkpoint. */
  readonly publish: () => Promise<void>;
  readonly logger: Logger;
}

/**
 * Writes and reads a process's snapshots (DESIGN §6): captures its fields, keyed state, mailbox,
 * sender numbering, backup-queue cursor and trigger accumulations in one synchronous step (a
 * consistent cut: functions interleave only at `await`), commits them as a new generation, and
 * restores them at swap-in. Checkpoints (on demand, or every `checkpointEveryMs`) never overlap
 * each other or a swap-out.
 */
export class Snapshotter {
  private committed = 0;
  /** The checkpoint being written, if any. */
  private running: Promise<number> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Inbound traffic and backup cursor at the last checkpoint: unchanged means nothing new arrived. */
  private trafficAt = 0;
  private cursorAt = 0;

  constructor(private readonly deps: SnapshotterDeps) {}

  /** The newest committed generation (0 before the first). */
  get generation(): number {
    return this.committed;
  }

  /** Restores the newest committed snapshot, if there is one; false for a fresh process. */
  async swapIn(): Promise<boolean> {
    const { app, pid, snapshots } = this.deps;
    const latest = await snapshots.readLatest(app, pid);
    if (!latest) return false;
    this.restore(decodeSnapshot(latest.bytes, `snapshot ${app}/${pid}@${latest.manifest.generation}`));
    return true;
  }

  /**
   * Commits the snapshot of a swap-out. Nothing runs any more, so large arrays go to the store
   * without a copy. On failure the last committed generation stays.
   * @returns the committed generation.
   */
  async swapOut(): Promise<number> {
    const generation = this.committed + 1;
    const content = this.capture(generation, { copy: false });
    await this.deps.snapshots.commit(content.meta, encodeSnapshot(content), { collect: 'background' });
    this.committed = generation;
    return generation;
  }

  /** Writes a snapshot while the process stays active; returns the committed generation. */
  async checkpoint(): Promise<number> {
    while (this.running) await this.settled();
    this.deps.lifeCycle.expect('active');
    const running = this.writeCheckpoint();
    this.running = running;
    try {
      return await running;
    } finally {
      this.running = undefined;
    }
  }

  /** Resolves once no checkpoint is being written; a failed one was reported to its own caller. */
  async settled(): Promise<void> {
    if (this.running) await Promise.allSettled([this.running]);
  }

  /** With `checkpointEveryMs`, writes a checkpoint at that interval while the process is active. */
  startCheckpoints(): void {
    const every = this.deps.definition.checkpointEveryMs;
    if (every === undefined || this.timer) return;
    this.timer = setInterval(() => {
      if (!this.due()) return;
      this.checkpoint().catch((err: unknown) =>
        this.deps.logger.warn('checkpoint failed; the previous one stays and the next interval tries again', {
          err,
          generation: this.committed,
        }),
      );
    }, every);
    this.timer.unref();
  }

  stopCheckpoints(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Skipped while one still runs, while swapping, and when nothing arrived since the last one
   * and no call is running (only calls and accepted traffic change a process).
   */
  private due(): boolean {
    const { lifeCycle, inbound, drainer, runner } = this.deps;
    if (lifeCycle.status !== 'active' || this.running) return false;
    return inbound.traffic !== this.trafficAt || drainer.cursor !== this.cursorAt || runner.gate.active > 0;
  }

  private async writeCheckpoint(): Promise<number> {
    const { snapshots, inbound, drainer, publish } = this.deps;
    const generation = this.committed + 1;
    // Large arrays are copied: functions keep running and may change them while chunks upload.
    const content = this.capture(generation, { copy: true });
    const cursor = drainer.cursor;
    const traffic = inbound.traffic;
    await snapshots.commit(content.meta, encodeSnapshot(content), { collect: 'background' });
    this.committed = Math.max(this.committed, generation);
    this.trafficAt = traffic;
    this.cursorAt = cursor;
    await publish();
    await drainer.trim(cursor);
    return generation;
  }

  private capture(generation: number, options: { copy: boolean }): SnapshotContent {
    const { app, pid, definition, stateTypes, runner, keyedState, mailbox, senders, sender, drainer, triggers } =
      this.deps;
    const className = definition.name;
    const instance = runner.instance;
    const fields = definition.state.map((f) => {
      const value = instance[f.field];
      try {
        const encoded = stateTypes.encodeField(className, f, value, (onClassInstance) =>
          encodeParts(value, `field ${className}.${f.field}`, { ...options, onClassInstance }),
        );
        return [f.field, encoded] as const;
      } catch (e) {
        if (e instanceof EncodeError) throw e;
        throw new EncodeError(`field ${className}.${f.field}`, String(e), e);
      }
    });
    const keyed = keyedState.entries().map(([k, v]) => [k, encode(v, `state key '${k}'`)] as const);
    const box = mailbox.snapshot();
    return {
      meta: { format: SNAPSHOT_FORMAT, app, pid, processClass: className, generation, createdAt: Date.now() },
      fields,
      keyed,
      messages: box.messages,
      seenIds: box.seenIds,
      senders: senders.entries(),
      outbox: sender.state(),
      backupCursor: drainer.cursor,
      triggers: encode(triggers.snapshot()),
    };
  }

  private restore(content: RestoredSnapshot): void {
    const { definition, runner, keyedState, mailbox, senders, sender, drainer, triggers } = this.deps;
    const types = new Map(definition.state.map((f) => [f.field, f.type]));
    const instance = runner.instance;
    for (const [field, bytes] of content.fields) {
      if (!types.has(field)) continue; // A field removed from the class since the snapshot.
      instance[field] = decode(bytes, `field ${definition.name}.${field}`, types.get(field));
    }
    for (const [key, bytes] of content.keyed) keyedState.restore(key, decode(bytes, `state key '${key}'`));
    mailbox.restore({ messages: [...content.messages], seenIds: [...content.seenIds] });
    senders.restore(content.senders);
    sender.restore(content.outbox);
    drainer.restore(content.backupCursor);
    this.cursorAt = content.backupCursor;
    this.committed = content.meta.generation;
    const accumulations = decode<PersistedAccumulation[] | null>(content.triggers, 'trigger accumulations');
    if (accumulations) triggers.restore(accumulations);
  }
}
