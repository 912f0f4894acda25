import {
  DEFAULT_INVOKE_TIMEOUT_MS,
  inSpan,
  PraasError,
  processSpanAttributes,
  ProcessUnavailableError,
  SequencedSender,
  silentLogger,
  SwapFailedError,
  TRACE_ATTRIBUTES,
  type Envelope,
  type ProcessDefinition,
  type ProcessStatus,
  type ReplyEnvelope,
  type UpgradeError,
} from '@praas/framework/internal';
import { Mailbox } from '../mailbox/mailbox';
import { SenderSequences } from '../mailbox/sender-sequences';
import { KeyedState } from '../state/keyed-state';
import { TriggerEngine } from '../triggers/trigger-engine';
import { BackupDrainer } from './backup-drainer';
import { CallRunner } from './call-runner';
import { faultMessage } from './call-scope';
import { InboundDispatcher, unavailable } from './inbound-dispatcher';
import { LifeCycle } from './life-cycle';
import { ProcessApi } from './process-api';
import { ProcessContext } from './process-context';
import { Snapshotter } from './snapshotter';
import { processRecord } from './process-record';
import type { SnapshotContent } from '../state/snapshot';
import type { ProcessControllerDeps } from './process-controller-deps';

export type { ProcessControllerDeps, ProcessControllerOptions, ProcessDirectory } from './process-controller-deps';

/**
 * One cloud process on a runtime host (DESIGN §3, §5, §6). It composes collaborators with one role
 * each and owns nothing else: the {@link LifeCycle} (status and its legal transitions), the
 * {@link InboundDispatcher} (serving, order, dedup, mailbox or trigger or call), the
 * {@link BackupDrainer} (the backup queue), the {@link CallRunner} (the instance, the function gate,
 * timeouts), the {@link Snapshotter} (swap-in, swap-out, checkpoints) and the {@link ProcessApi}
 * (what `ctx` calls). Here they are wired, and the life cycle's steps run across them in order.
 * Life cycle: swapping-in → active → swapping-out → swapped (or back to active when a swap fails).
 */
export class ProcessController {
  readonly app: string;
  readonly pid: string;
  readonly definition: ProcessDefinition;
  readonly keyedState = new KeyedState();
  readonly mailbox: Mailbox;
  private readonly lifeCycle: LifeCycle;
  private readonly runner: CallRunner;
  private readonly triggers: TriggerEngine;
  private readonly drainer: BackupDrainer;
  private readonly inbound: InboundDispatcher;
  /** The process API its calls' `ctx` use (send, recv, invoke, peers, timers), as this process. */
  readonly api: ProcessApi;
  private readonly snapshotter: Snapshotter;
  private readonly drainTimeoutMs: number;

  private constructor(private readonly deps: ProcessControllerDeps) {
    const { app, pid, definition, transport, metrics } = deps;
    const logger = deps.logger ?? silentLogger;
    const observe = { logger, ...(metrics ? { metrics } : {}) };
    const invokeTimeoutMs = deps.options?.invokeTimeoutMs ?? DEFAULT_INVOKE_TIMEOUT_MS;
    this.app = app;
    this.pid = pid;
    this.definition = definition;
    this.drainTimeoutMs = deps.options?.drainTimeoutMs ?? 10_000;
    this.mailbox = new Mailbox(pid);
    this.lifeCycle = new LifeCycle(app, pid);
    const senders = new SenderSequences();
    const sender = new SequencedSender(pid);
    // The collaborators call each other through these closures; all are set before any traffic.
    this.runner = new CallRunner({
      app,
      pid,
      definition,
      ...observe,
      context: (fn, signal, timer) => new ProcessContext(this.api, fn, signal, timer),
      commit: definition.durability === 'call' ? () => this.snapshotter.commitCalls() : undefined,
      onFault: (error, origin) =>
        deps.onFault ? deps.onFault(this, error, origin) : logger.error(faultMessage(pid, origin), { err: error }),
    });
    this.triggers = new TriggerEngine(
      definition.functions,
      (fn, parts, reply) => this.inbound.fire(fn, parts, reply),
      (replyTo, reply) => this.inbound.replyQueued(replyTo, reply),
    );
    this.drainer = new BackupDrainer({
      app,
      pid,
      backup: transport.backup,
      deliver: (envelope) => this.inbound.deliverQueued(envelope),
      ...observe,
    });
    const parts = { app, pid, definition, mailbox: this.mailbox, senders, runner: this.runner };
    this.inbound = new InboundDispatcher({
      ...parts,
      transport,
      lifeCycle: this.lifeCycle,
      triggers: this.triggers,
      drainer: this.drainer,
      invokeTimeoutMs,
      ...observe,
    });
    this.api = new ProcessApi({
      ...parts,
      keyedState: this.keyedState,
      sender,
      inbound: this.inbound,
      dataPlane: deps.dataPlane,
      directory: deps.directory,
      registry: deps.registry,
      invokeTimeoutMs,
      ...observe,
      ...(deps.timers ? { timers: deps.timers } : {}),
    });
    this.snapshotter = new Snapshotter({
      ...parts,
      snapshots: deps.snapshots,
      stateTypes: deps.stateTypes,
      lifeCycle: this.lifeCycle,
      keyedState: this.keyedState,
      sender,
      drainer: this.drainer,
      triggers: this.triggers,
      inbound: this.inbound,
      publish: () => this.publishRecord(),
      ...observe,
    });
  }

  /**
   * Starts a process: from its newest committed snapshot when there is one (a `swap-in` span, in
   * the trace of the request that caused it), else fresh (a `start` span).
   */
  static async start(deps: ProcessControllerDeps): Promise<ProcessController> {
    const controller = new ProcessController(deps);
    const attributes = processSpanAttributes(deps.app, deps.pid, deps.definition.name);
    await inSpan('swap-in', { attributes }, async (span) => {
      if (!(await controller.snapshotter.swapIn(deps.startFrom))) span.updateName('start');
      span.setAttribute(TRACE_ATTRIBUTES.generation, controller.generation);
      await controller.goLive();
    });
    return controller;
  }

  get status(): ProcessStatus {
    return this.lifeCycle.status;
  }
  get generation(): number {
    return this.snapshotter.generation;
  }
  get lastActivity(): number {
    return this.inbound.lastActivity;
  }
  /** Reads the backup queue again while live (see {@link BackupDrainer.recheck}). */
  recheckBackup(): void {
    this.drainer.recheck();
  }
  /** Calls running or waiting for admission. */
  get busy(): number {
    return this.runner.busy;
  }
  /** Unread mailbox messages, messages in trigger accumulations, backup-queue entries not yet in a snapshot. */
  get depths(): { mailbox: number; triggers: number; backupHeld: number } {
    return { mailbox: this.mailbox.size, triggers: this.triggers.size, backupHeld: this.drainer.held };
  }
  /** The user's object, whose `@State` fields are the process's state (empty once released). */
  get instance(): Record<string, unknown> {
    return this.runner.instance;
  }
  /** Deployed code version this process runs; undefined when its host loaded a local module. */
  get codeVersion(): number | undefined {
    return this.deps.codeVersion;
  }
  /** Why an upgrade left this process on `codeVersion`; undefined when none failed. */
  get upgradeError(): UpgradeError | undefined {
    return this.deps.upgradeError;
  }

  /** Handles one request from the transport or from a process on the same host. */
  handle(envelope: Envelope): Promise<ReplyEnvelope> {
    return this.inbound.handle(envelope);
  }

  // ---------------------------------------------------------------- life cycle

  /** Watch the backup queue, drain it, then take live traffic: nothing queued is overtaken. */
  private async goLive(): Promise<void> {
    const announced = this.lifeCycle.goingLive();
    try {
      await this.drainer.watch();
      await this.drainer.drain();
      this.lifeCycle.to('active');
      await this.inbound.serve();
      this.triggers.thaw();
      await this.publishRecord();
      this.snapshotter.startCheckpoints();
    } finally {
      announced();
    }
  }

  private async stopTraffic(): Promise<void> {
    this.snapshotter.stopCheckpoints();
    await this.inbound.unserve();
    await this.drainer.stop();
  }

  private async publishRecord(): Promise<void> {
    await this.deps.registry.putProcess(processRecord(this.deps, this.lifeCycle.status, this.snapshotter.generation));
  }

  /** A consistent cut of the state as a snapshot would hold it, not written anywhere (the inspector reads it). */
  peek(): SnapshotContent {
    return this.snapshotter.peek();
  }

  /**
   * Swaps the process out (DESIGN §6): new invocations go to the backup queue, running calls
   * finish, the snapshot is committed, the process is marked swapped and its memory released.
   * On failure the process stays active with its last committed snapshot intact.
   * @returns the committed generation.
   */
  swapOut(): Promise<number> {
    const attributes = processSpanAttributes(this.app, this.pid, this.definition.name);
    return inSpan('swap-out', { attributes }, async (span) => {
      const generation = await this.swapOutNow();
      span.setAttribute(TRACE_ATTRIBUTES.generation, generation);
      return generation;
    });
  }

  private async swapOutNow(): Promise<number> {
    this.lifeCycle.expect('active');
    this.lifeCycle.to('swapping-out');
    // Queued invocations and function messages stay in the backup queue: work started now could
    // not finish before the snapshot. A failed attempt takes them at once; a successful one leaves
    // them for the next swap-in.
    this.drainer.holdWork(true);
    await this.snapshotter.settled();
    await this.publishRecord();
    if (!(await this.runner.quiesce(this.drainTimeoutMs, () => this.triggers.liveWaiters()))) {
      // Counted before the backlog is delivered, which starts calls and may fire triggers.
      const running = this.runner.gate.active;
      const waiters = this.triggers.liveWaiters();
      await this.resumeAfterQuiesceFailed();
      throw new SwapFailedError(
        `cannot swap out '${this.pid}': after ${this.drainTimeoutMs} ms ${running} call(s) still run ` +
          `(is one waiting in recv?)${waiters ? ` and ${waiters} invocation(s) wait for a trigger to fire` : ''}`,
        { details: { app: this.app, pid: this.pid } },
      );
    }
    // Nothing runs and nobody waits: from here on no trigger fires until the next swap-in or a failed swap.
    this.triggers.freeze();
    await this.stopTraffic();
    let generation: number;
    try {
      generation = await this.snapshotter.swapOut();
    } catch (e) {
      // What was diverted to the backup queue meanwhile is taken before live traffic, as at a swap-in.
      this.drainer.holdWork(false);
      await this.goLive(); // Thaws the triggers too.
      const reason = e instanceof Error ? e.message : String(e);
      throw new SwapFailedError(`swap-out of '${this.pid}' failed, the process stays active: ${reason}`, {
        cause: e,
        details: { app: this.app, pid: this.pid, ...(e instanceof PraasError ? { cause: e.toWire() } : {}) },
      });
    }
    this.lifeCycle.to('swapped');
    await this.publishRecord();
    await this.drainer.trim(this.drainer.cursor);
    this.release();
    return generation;
  }

  /**
   * The swap-out gave up before it stopped traffic: the live subscription and the backup watch are
   * still open. What was diverted to the backup queue during the attempt is delivered first, in
   * queue order, while new traffic still goes behind it; then the process takes live traffic again.
   */
  private async resumeAfterQuiesceFailed(): Promise<void> {
    this.drainer.holdWork(false);
    try {
      await this.drainer.drain();
    } finally {
      // Even when the drain failed (the queue could not be read): the process serves, and the backup
      // watch or the next message with a gap takes the queue again; the drain's error reaches the caller.
      this.lifeCycle.to('active');
      await this.publishRecord();
    }
  }

  /** Writes a snapshot without deactivating the process; returns the committed generation. */
  checkpoint(): Promise<number> {
    return this.snapshotter.checkpoint();
  }

  /** Stops the process without a snapshot (it is being deleted, or its host is going away hard). */
  async stop(): Promise<void> {
    if (this.lifeCycle.status === 'deleted') return;
    this.triggers.dispose(unavailable(this.app, this.pid, 'deleted'));
    await this.stopTraffic();
    // A checkpoint still uploading would otherwise write after the host said it stopped.
    await this.snapshotter.settled();
    this.release();
    this.lifeCycle.to('deleted');
  }

  private release(): void {
    this.mailbox.rejectWaiters(new ProcessUnavailableError(this.app, this.pid, this.lifeCycle.status));
    this.api.release();
    this.runner.release();
  }
}
