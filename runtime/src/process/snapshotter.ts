import {
  decode,
  encode,
  encodeParts,
  EncodeError,
  inSpan,
  processSpanAttributes,
  ProcessUnavailableError,
  TRACE_ATTRIBUTES,
  type Logger,
  type ProcessDefinition,
  type SequencedSender,
} from '@praas/framework/internal';
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
import type { KnownGeneration, SnapshotRepository } from '../state/snapshot-repository';
import { decodeState, type DecodedState } from '../state/state-migration';
import type { StateTypeCheck } from '../state/state-type-check';
import type { PersistedAccumulation, TriggerEngine } from '../triggers/trigger-engine';
import type { BackupDrainer } from './backup-drainer';
import type { CallRunner } from './call-runner';
import type { InboundDispatcher } from './inbound-dispatcher';
import type { LifeCycle } from './life-cycle';
import { CheckpointSchedule } from './checkpoint-schedule';
import { GroupCommit } from './group-commit';
import type { HostMetrics } from '../metrics/host-metrics';

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
  /** Swap and checkpoint metrics of this host (default: none). */
  readonly metrics?: HostMetrics;
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
  private schedule: CheckpointSchedule | undefined;
  private calls: GroupCommit | undefined;
  /** Inbound traffic and backup cursor at the last checkpoint: unchanged means nothing new arrived. */
  private trafficAt = 0;
  private cursorAt = 0;

  constructor(private readonly deps: SnapshotterDeps) {}

  /** The newest committed generation (0 before the first). */
  get generation(): number {
    return this.committed;
  }

  /**
   * Restores the newest committed snapshot, if there is one; false for a fresh process. `from`:
   * `'fresh'` reads nothing, a known generation spares listing the store (see KnownGeneration).
   */
  async swapIn(from?: 'fresh' | KnownGeneration): Promise<boolean> {
    if (from === 'fresh') return false;
    const { app, pid, snapshots, metrics } = this.deps;
    const started = process.hrtime.bigint();
    try {
      const latest = await snapshots.readLatest(app, pid, from);
      if (!latest) return false;
      const { generation } = latest.manifest;
      const content = decodeSnapshot(latest.bytes, `snapshot ${app}/${pid}@${generation}`);
      // Decoded (and migrated) before anything is set: a migration that fails leaves the process as it was.
      this.restore(content, await decodeState(this.deps.definition, content, this.deps.logger));
      const seconds = secondsSince(started);
      metrics?.swaps.inc({ direction: 'in', outcome: 'ok' });
      metrics?.swapSeconds.observe({ direction: 'in' }, seconds);
      metrics?.swapBytes.observe({ direction: 'in' }, latest.bytes.byteLength);
      this.deps.logger.info('swapped in', { generation, bytes: latest.bytes.byteLength, ms: seconds * 1e3 });
      return true;
    } catch (err) {
      metrics?.swaps.inc({ direction: 'in', outcome: 'failed' });
      this.deps.logger.error('swap-in failed', { err, ms: secondsSince(started) * 1e3 });
      throw err;
    }
  }

  /**
   * Commits the snapshot of a swap-out. Nothing runs any more, so large arrays go to the store
   * without a copy. On failure the last committed generation stays.
   * @returns the committed generation.
   */
  async swapOut(): Promise<number> {
    const { metrics, logger } = this.deps;
    const started = process.hrtime.bigint();
    const generation = this.committed + 1;
    try {
      const content = this.capture(generation, { copy: false });
      const parts = encodeSnapshot(content);
      await this.deps.snapshots.commit(content.meta, parts, { collect: 'background' });
      this.committed = generation;
      const seconds = secondsSince(started);
      const bytes = byteLength(parts);
      metrics?.swaps.inc({ direction: 'out', outcome: 'ok' });
      metrics?.swapSeconds.observe({ direction: 'out' }, seconds);
      metrics?.swapBytes.observe({ direction: 'out' }, bytes);
      logger.info('swapped out', { generation, bytes, ms: seconds * 1e3 });
      return generation;
    } catch (err) {
      metrics?.swaps.inc({ direction: 'out', outcome: 'failed' });
      logger.warn('swap-out failed; the process stays active', { err, generation: this.committed });
      throw err;
    }
  }

  /** What a snapshot taken now would hold (large arrays copied), without writing it: for the inspector. */
  peek(): SnapshotContent {
    return this.capture(this.committed, { copy: true });
  }

  /** Writes a snapshot while the process stays active; returns the committed generation. */
  async checkpoint(): Promise<number> {
    while (this.running) await this.settled();
    this.deps.lifeCycle.expect('active');
    return this.runCheckpoint();
  }

  /**
   * `durability: 'call'`: resolves once the state the calls that ended so far produced is
   * committed (calls ending together share one snapshot). Also while it swaps in and while a
   * swap-out waits for the calls.
   */
  commitCalls(): Promise<void> {
    this.calls ??= new GroupCommit(async () => {
      while (this.running) await this.settled();
      const { lifeCycle, app, pid } = this.deps;
      // Calls run while it swaps in (queued ones, as the backup queue drains) and while a swap-out waits for them.
      if (lifeCycle.status === 'swapped' || lifeCycle.status === 'deleted')
        throw new ProcessUnavailableError(app, pid, lifeCycle.status);
      return this.runCheckpoint();
    });
    return this.calls.request();
  }

  private async runCheckpoint(): Promise<number> {
    const { app, pid, definition } = this.deps;
    const attributes = processSpanAttributes(app, pid, definition.name);
    const running = inSpan('checkpoint', { attributes }, async (span) => {
      const generation = await this.writeCheckpoint();
      span.setAttribute(TRACE_ATTRIBUTES.generation, generation);
      return generation;
    });
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

  /**
   * With `checkpointEveryMs`, writes checkpoints while the process is active, each starting that
   * long after the previous one started, or at once after a slower upload (see CheckpointSchedule).
   */
  startCheckpoints(): void {
    const every = this.deps.definition.checkpointEveryMs;
    if (every === undefined) return;
    this.schedule ??= new CheckpointSchedule(every, () => {
      if (!this.due()) return undefined;
      return this.checkpoint().catch((err: unknown) =>
        this.deps.logger.warn('checkpoint failed; the previous one stays and the next interval tries again', {
          err,
          generation: this.committed,
        }),
      );
    });
    this.schedule.start();
  }

  stopCheckpoints(): void {
    this.schedule?.stop();
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
    const started = process.hrtime.bigint();
    const parts = encodeSnapshot(content);
    try {
      await snapshots.commit(content.meta, parts, { collect: 'background' });
    } catch (err) {
      this.deps.metrics?.checkpoints.inc({ outcome: 'failed' });
      throw err;
    }
    this.deps.metrics?.checkpoints.inc({ outcome: 'ok' });
    this.deps.logger.info('checkpoint written', {
      generation,
      bytes: byteLength(parts),
      ms: secondsSince(started) * 1e3,
    });
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
      meta: {
        format: SNAPSHOT_FORMAT,
        app,
        pid,
        processClass: className,
        generation,
        createdAt: Date.now(),
        stateVersion: definition.version,
      },
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

  private restore(content: RestoredSnapshot, state: DecodedState): void {
    const { runner, keyedState, mailbox, senders, sender, drainer, triggers } = this.deps;
    const instance = runner.instance;
    for (const [field, value] of state.fields) instance[field] = value;
    for (const [key, value] of state.keyed) keyedState.restore(key, value);
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

function secondsSince(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function byteLength(parts: readonly Uint8Array[]): number {
  return parts.reduce((n, p) => n + p.byteLength, 0);
}
