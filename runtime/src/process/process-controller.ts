import {
  ANY,
  DataPlaneClient,
  DEFAULT_INVOKE_TIMEOUT_MS,
  decode,
  decodeEnvelope,
  encode,
  encodeParts,
  encodeWire,
  EncodeError,
  DuplicateMessageError,
  FunctionError,
  FunctionNotFoundError,
  functionNames,
  InvalidArgumentError,
  newId,
  normalizeKey,
  PraasError,
  processSubject,
  ProcessUnavailableError,
  SELF,
  SwapFailedError,
  TimeoutError,
  toWireError,
  unwrapReply,
  validateName,
  type Destination,
  type Envelope,
  type FunctionDefinition,
  type InvokeEnvelope,
  type InvokeOptions,
  type MessageEnvelope,
  type Part,
  type PeerEvent,
  type PeerInfo,
  type ProcessDefinition,
  type ProcessRecord,
  type ProcessStatus,
  type RecvOptions,
  type Registry,
  type ReplyEnvelope,
  type SendOptions,
  type Source,
  type Subscription,
  type Transport,
  type Unsubscribe,
} from '@praas/framework';
import { Mailbox, type StoredMessage } from '../mailbox/mailbox';
import { KeyedState } from '../state/keyed-state';
import {
  decodeSnapshot,
  encodeSnapshot,
  SNAPSHOT_FORMAT,
  type RestoredSnapshot,
  type SnapshotContent,
} from '../state/snapshot';
import type { SnapshotRepository } from '../state/snapshot-repository';
import type { StateTypeCheck } from '../state/state-type-check';
import {
  TriggerEngine,
  type Contribution,
  type PersistedAccumulation,
  type ReplySink,
} from '../triggers/trigger-engine';
import { FunctionGate } from './function-gate';
import { RecentInvocations } from './recent-invocations';
import { ProcessContext, type ContextHost } from './process-context';

/** Lets a controller reach other processes on the same host without the transport. */
export interface ProcessDirectory {
  /** The controller of `pid` when it is hosted here, whatever its status. */
  local(pid: string): ProcessController | undefined;
}

export interface ProcessControllerOptions {
  /** How long a swap-out waits for running calls before it gives up (default 10 000 ms). */
  drainTimeoutMs?: number;
  /** Default timeout of `ctx.invoke` (default 30 000 ms). */
  invokeTimeoutMs?: number;
}

export interface ProcessControllerDeps {
  readonly app: string;
  readonly pid: string;
  readonly hostId: string;
  readonly definition: ProcessDefinition;
  readonly transport: Transport;
  readonly registry: Registry;
  readonly snapshots: SnapshotRepository;
  /** Warns about class instances in fields that a swap would turn into plain objects; shared by a host's processes. */
  readonly stateTypes: StateTypeCheck;
  readonly directory: ProcessDirectory;
  readonly dataPlane: DataPlaneClient;
  readonly options?: ProcessControllerOptions;
  /** Deployed code version the definition comes from; recorded in the registry so the process swaps back in with it. */
  readonly codeVersion?: number;
  /** The application incarnation of `codeVersion`; recorded beside it. */
  readonly incarnation?: string;
}

const BACKUP_BATCH = 256;
const OK: ReplyEnvelope = Object.freeze({ ok: true });
/** The accepted-message answer, encoded once: it is the reply to every message. */
const OK_BYTES = encodeWire(OK);

function unavailable(app: string, pid: string, status: string): ReplyEnvelope {
  return { ok: false, error: new ProcessUnavailableError(app, pid, status).toWire() };
}

/** A live message ahead of an earlier one of its sender: the sender queues it behind that one. */
function outOfOrder(app: string, pid: string, envelope: MessageEnvelope): ReplyEnvelope {
  const error = new ProcessUnavailableError(app, pid, 'active').toWire();
  return {
    ok: false,
    error: {
      ...error,
      message: `process '${pid}' of '${app}' takes message ${envelope.seq} of '${envelope.from}' only after the earlier ones; it goes to the backup queue behind them`,
      details: { ...error.details, reason: 'out-of-order', seq: envelope.seq },
    },
  };
}

/**
 * One cloud process on a runtime host (DESIGN §3, §5, §6): owns its instance, state, mailbox and
 * function gate, serves its data-plane subject, drains its backup queue, and swaps out and in.
 * Life cycle: swapping-in → active → swapping-out → swapped (or back to active when a swap fails).
 */
export class ProcessController implements ContextHost {
  readonly app: string;
  readonly pid: string;
  readonly definition: ProcessDefinition;
  readonly keyedState = new KeyedState();
  readonly mailbox: Mailbox;
  private readonly gate: FunctionGate;
  private readonly invocations = new RecentInvocations();
  private readonly triggers: TriggerEngine;
  private readonly drainTimeoutMs: number;
  private readonly invokeTimeoutMs: number;

  private statusValue: ProcessStatus = 'swapping-in';
  private instance: Record<string, unknown>;
  private generationValue = 0;
  private lastActivityAt = Date.now();

  /** Per sender: its incarnation and the last sequence number accepted from it. */
  private readonly senders = new Map<string, { epoch: string; seq: number }>();
  /** As a sender: this process's incarnation and the next sequence number per receiver. */
  private outEpoch = newId();
  private readonly outSeq = new Map<string, number>();

  private backupCursor = 0;
  private drainChain: Promise<void> = Promise.resolve();
  /** Settles when the current (or last) goLive finished: the registry record says `active`. */
  private liveAnnounced: Promise<void> = Promise.resolve();
  /**
   * True while a swap-out is attempted: queued invocations and function messages stay in the
   * backup queue (work started now could not finish before the snapshot). A failed attempt clears
   * it and drains them at once; a successful one leaves them for the next swap-in.
   */
  private holdQueuedWork = false;
  private drainQueued: Promise<void> | undefined;
  private liveSubscription: Subscription | undefined;
  private checkpointTimer: NodeJS.Timeout | undefined;
  /** The checkpoint being written, if any: checkpoints never overlap each other or a swap-out. */
  private checkpointRunning: Promise<number> | undefined;
  /** Counts inbound traffic; equal to `trafficAtCheckpoint` when nothing can have changed since. */
  private traffic = 0;
  private trafficAtCheckpoint = 0;
  private backupWatch: Subscription | undefined;
  private readonly peerWatches = new Set<Subscription>();

  private constructor(private readonly deps: ProcessControllerDeps) {
    this.app = deps.app;
    this.pid = deps.pid;
    this.definition = deps.definition;
    this.mailbox = new Mailbox(deps.pid);
    this.gate = new FunctionGate(deps.definition.maxConcurrency);
    this.drainTimeoutMs = deps.options?.drainTimeoutMs ?? 10_000;
    this.invokeTimeoutMs = deps.options?.invokeTimeoutMs ?? DEFAULT_INVOKE_TIMEOUT_MS;
    this.instance = new deps.definition.ctor() as Record<string, unknown>;
    this.triggers = new TriggerEngine(
      deps.definition.functions,
      (fn, parts, reply) => this.fireTriggered(fn, parts, reply),
      (replyTo, reply) => this.replyQueued(replyTo, reply),
    );
  }

  /** Starts a process: from its newest committed snapshot when there is one, else fresh. */
  static async start(deps: ProcessControllerDeps): Promise<ProcessController> {
    const controller = new ProcessController(deps);
    const latest = await deps.snapshots.readLatest(deps.app, deps.pid);
    if (latest) {
      const { manifest, bytes } = latest;
      controller.restore(decodeSnapshot(bytes, `snapshot ${deps.app}/${deps.pid}@${manifest.generation}`));
    }
    await controller.goLive();
    return controller;
  }

  get status(): ProcessStatus {
    return this.statusValue;
  }
  get generation(): number {
    return this.generationValue;
  }
  get lastActivity(): number {
    return this.lastActivityAt;
  }
  /** Calls running or waiting for admission. */
  get busy(): number {
    return this.gate.active + this.gate.queued;
  }

  // ---------------------------------------------------------------- inbound traffic

  /** Handles one request from the transport or from a process on the same host. */
  async handle(envelope: Envelope): Promise<ReplyEnvelope> {
    this.lastActivityAt = Date.now();
    this.traffic++;
    if (envelope.t === 'msg') {
      // Messages are accepted until the live subscription closes, even while running calls finish.
      if (this.liveSubscription === undefined) return unavailable(this.app, this.pid, this.statusValue);
      // Messages to a function start work; like invocations, they wait for the next swap-in.
      if (envelope.fn !== undefined && this.statusValue !== 'active')
        return unavailable(this.app, this.pid, this.statusValue);
      return (await this.acceptLiveMessage(envelope)) ? OK : outOfOrder(this.app, this.pid, envelope);
    }
    if (this.statusValue !== 'active') return unavailable(this.app, this.pid, this.statusValue);
    // A retry of an invocation (same id, e.g. after a broken direct connection) does not run it twice.
    return (
      this.invocations.get(envelope.id) ??
      this.invocations.track(
        envelope.id,
        new Promise<ReplyEnvelope>((resolve) => this.dispatch(envelope, { sink: resolve })),
      )
    );
  }

  private async handleBytes(bytes: Uint8Array): Promise<Uint8Array> {
    let reply: ReplyEnvelope;
    try {
      reply = await this.handle(decodeEnvelope(bytes));
    } catch (e) {
      reply = { ok: false, error: toWireError(e) };
    }
    return reply === OK ? OK_BYTES : encodeWire(reply);
  }

  /**
   * Takes a live message only when it is the next of its sender (or one seen before, dropped
   * again by id). After a gap the backup queue is drained first: the earlier message may wait
   * there. If it is still missing, it is on its way (pipelined sends): the message is refused,
   * and its sender queues it behind the earlier one.
   */
  private async acceptLiveMessage(envelope: MessageEnvelope): Promise<boolean> {
    if (!this.inSequence(envelope)) {
      await this.drainBackup();
      if (!this.inSequence(envelope)) return false;
    }
    this.acceptMessage(envelope, false);
    return true;
  }

  private inSequence(envelope: MessageEnvelope): boolean {
    const last = this.senders.get(envelope.from);
    if (last === undefined || last.epoch !== envelope.epoch) return envelope.seq === 1;
    return envelope.seq <= last.seq + 1;
  }

  /** Puts a message into the mailbox, or hands it to the function it is addressed to. */
  private acceptMessage(envelope: MessageEnvelope, fromBackup: boolean): void {
    const fn = envelope.fn === undefined ? undefined : this.definition.functions.get(envelope.fn);
    // A live sender learns at once that the function does not exist; a queued one cannot be told.
    if (envelope.fn !== undefined && !fn && !fromBackup) this.findFunction(envelope.fn);
    const last = this.senders.get(envelope.from);
    if (!last || last.epoch !== envelope.epoch || envelope.seq > last.seq) {
      this.senders.set(envelope.from, { epoch: envelope.epoch, seq: envelope.seq });
    }
    if (envelope.fn === undefined) {
      this.mailbox.put({ id: envelope.id, from: envelope.from, key: envelope.key, data: envelope.data });
      return;
    }
    if (!fn || this.triggers.has(envelope.id) || !this.mailbox.markSeen(envelope.id)) return;
    if (fn.trigger.kind === 'standard') {
      this.startCall(
        fn,
        () => decode(envelope.data, `message '${envelope.key}' to '${fn.name}'`),
        () => undefined,
      );
    } else {
      this.triggers.contribute(fn, { id: envelope.id, source: envelope.from, key: envelope.key, data: envelope.data });
    }
  }

  /** Takes everything waiting in the backup queue, in order; concurrent calls share one pass. */
  private drainBackup(): Promise<void> {
    // A pass that has not started yet reads everything appended before this call: join it.
    if (this.drainQueued) return this.drainQueued;
    const run = this.drainChain.then(() => {
      this.drainQueued = undefined;
      return this.drainOnce();
    });
    this.drainQueued = run;
    this.drainChain = run.catch(() => undefined);
    return run;
  }

  private async drainOnce(): Promise<void> {
    for (;;) {
      const entries = await this.deps.transport.backup.read(this.app, this.pid, this.backupCursor, BACKUP_BATCH);
      if (entries.length === 0) return;
      for (const entry of entries) {
        let envelope: Envelope | undefined;
        try {
          envelope = decodeEnvelope(entry.data);
        } catch {
          envelope = undefined; // Undecodable entries cannot be delivered; skipping keeps the queue moving.
        }
        const startsWork = envelope?.t === 'inv' || (envelope?.t === 'msg' && envelope.fn !== undefined);
        if (startsWork && this.holdQueuedWork) return; // Left for the next swap-in, or for a failed swap-out.
        if (envelope?.t === 'msg') this.acceptMessage(envelope, true);
        else if (envelope?.t === 'inv') this.dispatch(envelope, { queued: true });
        this.backupCursor = entry.seq;
        this.traffic++;
      }
    }
  }

  // ---------------------------------------------------------------- function dispatch

  private findFunction(name: string): FunctionDefinition {
    const fn = this.definition.functions.get(name);
    if (!fn) throw new FunctionNotFoundError(this.definition.name, name, functionNames(this.definition));
    return fn;
  }

  /**
   * Handles an invocation: a standard function starts a call; a multi-source or batch function
   * takes it as a contribution. A live invocation hands its reply to `sink`; a queued one (from the
   * backup queue) publishes it to its `replyTo`, which survives a swap while it waits in a trigger.
   */
  private dispatch(envelope: InvokeEnvelope, target: { sink: ReplySink } | { queued: true }): void {
    const replyTo = envelope.replyTo;
    const sink: ReplySink =
      'sink' in target
        ? target.sink
        : (reply) => {
            if (replyTo !== undefined) this.replyQueued(replyTo, reply);
          };
    let fn: FunctionDefinition;
    try {
      fn = this.findFunction(envelope.fn);
      if (fn.trigger.kind === 'multiSource' && envelope.key === undefined) {
        throw new InvalidArgumentError(
          `'${fn.name}' of '${this.pid}' is a multi-source function: give the invocation key, e.g. invoke(dest, '${fn.name}', data, { key: epoch })`,
          { function: fn.name, pid: this.pid },
        );
      }
    } catch (e) {
      sink({ ok: false, error: toWireError(e) });
      return;
    }
    if (fn.trigger.kind === 'standard') {
      this.startCall(fn, () => decode(envelope.data, `argument of '${envelope.fn}'`), sink);
      return;
    }
    if (!this.triggers.has(envelope.id) && !this.mailbox.markSeen(envelope.id)) {
      sink({ ok: false, error: new DuplicateMessageError(envelope.id, fn.name).toWire() });
      return;
    }
    const contribution: Contribution = {
      id: envelope.id,
      source: envelope.from,
      key: envelope.key ?? '',
      data: envelope.data,
      ...('sink' in target || replyTo === undefined ? {} : { replyTo }),
    };
    this.triggers.contribute(
      fn,
      contribution,
      'sink' in target ? { sink, timeoutMs: envelope.timeoutMs ?? this.invokeTimeoutMs } : undefined,
    );
  }

  /** Runs a call under the gate and hands its encoded result (or error) to `sink`. */
  private startCall(fn: FunctionDefinition, args: () => unknown, sink: ReplySink): void {
    const run = async (): Promise<ReplyEnvelope> => {
      const data = args();
      const release = await this.gate.acquire(fn.exclusive);
      try {
        const result = await this.call(fn, data);
        return { ok: true, data: encode(result, `result of '${fn.name}'`) };
      } finally {
        release();
      }
    };
    run().then(sink, (e: unknown) => sink({ ok: false, error: toWireError(e) }));
  }

  /** A trigger completed: one call with every contribution, in arrival order. */
  private fireTriggered(fn: FunctionDefinition, parts: readonly Contribution[], reply: ReplySink): void {
    this.startCall(
      fn,
      (): Part[] =>
        parts.map((p) => ({
          source: p.source,
          key: p.key,
          data: decode(p.data, `message '${p.key}' from '${p.source}'`),
        })),
      reply,
    );
  }

  /** Runs the user's method; whatever it throws becomes a FunctionError with the original message. */
  private async call(fn: FunctionDefinition, data: unknown): Promise<unknown> {
    const method = this.instance[fn.method] as (arg: unknown, ctx: ProcessContext) => unknown;
    const ctx = new ProcessContext(this, fn.name);
    const running = (async () => method.call(this.instance, data, ctx))();
    let timer: NodeJS.Timeout | undefined;
    try {
      if (fn.timeoutMs === undefined) return await running;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new TimeoutError(`'${fn.name}' of '${this.pid}' ran longer than ${fn.timeoutMs} ms`, {
                pid: this.pid,
                function: fn.name,
              }),
            ),
          fn.timeoutMs,
        );
      });
      return await Promise.race([running, timeout]);
    } catch (e) {
      if (e instanceof TimeoutError && e.details['function'] === fn.name && e.details['pid'] === this.pid) throw e;
      if (e instanceof FunctionError) throw e;
      const name = e instanceof Error ? e.name : 'Error';
      const message = e instanceof Error ? e.message : String(e);
      const code = e instanceof PraasError ? e.code : undefined;
      throw new FunctionError(fn.name, this.pid, name, message, { cause: e, details: code ? { errorCode: code } : {} });
    } finally {
      clearTimeout(timer);
    }
  }

  // ---------------------------------------------------------------- the process API (Context)

  async send(dest: Destination, key: string | number, data: unknown, options: SendOptions = {}): Promise<void> {
    const target = this.resolve(dest);
    const messageKey = normalizeKey('message key', key);
    const fn = options.fn === undefined ? undefined : validateName('function', options.fn);
    const id = options.id ?? newId();
    const bytes = encode(data, `message '${messageKey}' to '${target}'`);
    // Numbered in call order; the data plane keeps that order on the wire and in its fallback,
    // so sends to one receiver may be pipelined. (One object literal: this is the hot path.)
    const seq = (this.outSeq.get(target) ?? 0) + 1;
    this.outSeq.set(target, seq);
    const envelope: MessageEnvelope =
      fn === undefined
        ? { t: 'msg', id, from: this.pid, epoch: this.outEpoch, seq, key: messageKey, data: bytes }
        : { t: 'msg', id, from: this.pid, epoch: this.outEpoch, seq, key: messageKey, data: bytes, fn };
    return this.deps.dataPlane.send(target, envelope, this.deps.directory.local(target));
  }

  async recv<T>(source: Source, key: string | number, options: RecvOptions = {}): Promise<Part<T>> {
    if (source !== SELF && source !== ANY) validateName('pid', source);
    const timeoutMs = options.timeoutMs;
    if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs >= 0)) {
      throw new InvalidArgumentError(`recv timeoutMs must be a non-negative number, got ${String(timeoutMs)}`);
    }
    const messageKey = normalizeKey('message key', key);
    const message: StoredMessage = await this.mailbox.take(source, messageKey, timeoutMs);
    return {
      source: message.from,
      key: message.key,
      data: decode<T>(message.data, `message '${message.key}' from '${message.from}'`),
    };
  }

  async invoke<R>(dest: Destination, fn: string, data: unknown, options: InvokeOptions = {}): Promise<R> {
    validateName('function', fn);
    const key = options.key === undefined ? undefined : normalizeKey('message key', options.key);
    const timeoutMs = options.timeoutMs ?? this.invokeTimeoutMs;
    const self = dest === SELF || dest === this.pid;
    if (self && this.findFunction(fn).trigger.kind === 'standard') {
      // Functions of one process share its memory: a call to SELF is a direct call, arguments by reference.
      return (await this.call(this.findFunction(fn), data)) as R;
    }
    const target = this.resolve(dest);
    const envelope: InvokeEnvelope = {
      t: 'inv',
      id: options.id ?? newId(),
      from: this.pid,
      fn,
      ...(key === undefined ? {} : { key }),
      data: encode(data, `argument of '${fn}' for '${target}'`),
      timeoutMs,
    };
    if (self) {
      // A trigger function of this process: the call contributes like any other invocation.
      const reply = await new Promise<ReplyEnvelope>((resolve) => this.dispatch(envelope, { sink: resolve }));
      const bytes = unwrapReply(reply);
      return (bytes === undefined ? undefined : decode(bytes, `result of '${fn}'`)) as R;
    }
    const local = this.deps.directory.local(target);
    let reply: ReplyEnvelope | undefined;
    if (local) {
      reply = await local.handle(envelope);
      if (!reply.ok && reply.error.code === 'PROCESS_UNAVAILABLE') reply = undefined;
    }
    reply ??= await this.deps.dataPlane.invoke(target, envelope, timeoutMs);
    const bytes = unwrapReply(reply);
    return (bytes === undefined ? undefined : decode(bytes, `result of '${fn}' from '${target}'`)) as R;
  }

  async peers(): Promise<PeerInfo[]> {
    const records = await this.deps.registry.listProcesses(this.app);
    return records.map(toPeer);
  }

  watchPeers(listener: (event: PeerEvent) => void): Unsubscribe {
    let subscription: Subscription | undefined;
    let stopped = false;
    void this.deps.registry
      .watchProcesses(this.app, (event) => {
        if (!stopped) listener({ type: event.type === 'deleted' ? 'deleted' : 'updated', peer: toPeer(event.record) });
      })
      .then((s) => {
        subscription = s;
        if (stopped) void s.unsubscribe();
        else this.peerWatches.add(s);
      });
    return () => {
      stopped = true;
      if (subscription) {
        this.peerWatches.delete(subscription);
        void subscription.unsubscribe();
      }
    };
  }

  private resolve(dest: Destination): string {
    if (dest === SELF) return this.pid;
    return validateName('pid', dest);
  }

  // ---------------------------------------------------------------- life cycle

  /** Watch the backup queue, drain it, then take live traffic: nothing queued is overtaken. */
  private async goLive(): Promise<void> {
    let announced!: () => void;
    this.liveAnnounced = new Promise<void>((resolve) => (announced = resolve));
    try {
      const { transport } = this.deps;
      this.backupWatch = await transport.backup.watch(this.app, this.pid, () => {
        this.drainBackup().catch(() => undefined);
      });
      await this.drainBackup();
      this.statusValue = 'active';
      this.liveSubscription = await transport.serve(processSubject(this.app, this.pid), (bytes) =>
        this.handleBytes(bytes),
      );
      this.triggers.thaw();
      await this.publishRecord();
      this.startCheckpoints();
    } finally {
      announced();
    }
  }

  /**
   * Publishes the reply of a queued invocation. While the process goes live, it waits until the
   * registry says so: a caller whose invocation swapped the process in then reads it as active.
   */
  private replyQueued(replyTo: string, reply: ReplyEnvelope): void {
    void this.liveAnnounced
      .then(() => this.deps.transport.publish(replyTo, encodeWire(reply)))
      // The caller is gone (its reply subject has no listener) or the transport closed: nobody to tell.
      .catch(() => undefined);
  }

  /** With `checkpointEveryMs`, writes a checkpoint at that interval while the process is active. */
  private startCheckpoints(): void {
    const every = this.definition.checkpointEveryMs;
    if (every === undefined || this.checkpointTimer) return;
    this.checkpointTimer = setInterval(() => {
      // Skipped while one still runs, while swapping, and when no traffic came since the last one
      // and no call is running (only calls and accepted messages change a process).
      if (this.statusValue !== 'active' || this.checkpointRunning) return;
      if (this.traffic === this.trafficAtCheckpoint && this.gate.active === 0) return;
      // A failed checkpoint keeps the previous one; the next tick tries again.
      this.checkpoint().catch(() => undefined);
    }, every);
    this.checkpointTimer.unref();
  }

  private async stopTraffic(): Promise<void> {
    clearInterval(this.checkpointTimer);
    this.checkpointTimer = undefined;
    const live = this.liveSubscription;
    this.liveSubscription = undefined;
    await live?.unsubscribe();
    const watch = this.backupWatch;
    this.backupWatch = undefined;
    await watch?.unsubscribe();
    await this.drainChain;
  }

  /** Deployed code version this process runs; undefined when its host loaded a local module. */
  get codeVersion(): number | undefined {
    return this.deps.codeVersion;
  }

  private async publishRecord(): Promise<void> {
    const record: ProcessRecord = {
      app: this.app,
      pid: this.pid,
      processClass: this.definition.name,
      status: this.statusValue,
      generation: this.generationValue,
      ...(this.deps.codeVersion === undefined ? {} : { version: this.deps.codeVersion }),
      ...(this.deps.incarnation === undefined ? {} : { incarnation: this.deps.incarnation }),
      updatedAt: Date.now(),
      ...(this.statusValue === 'active' || this.statusValue === 'swapping-out' ? { host: this.deps.hostId } : {}),
    };
    await this.deps.registry.putProcess(record);
  }

  /**
   * Swaps the process out (DESIGN §6): new invocations go to the backup queue, running calls
   * finish, the snapshot is committed, the process is marked swapped and its memory released.
   * On failure the process stays active with its last committed snapshot intact.
   * @returns the committed generation.
   */
  async swapOut(): Promise<number> {
    if (this.statusValue !== 'active') throw new ProcessUnavailableError(this.app, this.pid, this.statusValue);
    this.statusValue = 'swapping-out';
    this.holdQueuedWork = true;
    await this.checkpointRunning?.catch(() => undefined);
    await this.publishRecord();
    if (!(await this.quiesce())) {
      // Counted before the backlog is delivered, which starts calls and may fire triggers.
      const running = this.gate.active;
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
    const generation = this.generationValue + 1;
    try {
      // Nothing runs any more, so large arrays can go to the store without a copy.
      const content = this.capture(generation, { copy: false });
      await this.deps.snapshots.commit(content.meta, encodeSnapshot(content), { collect: 'background' });
    } catch (e) {
      // What was diverted to the backup queue meanwhile is taken before live traffic, as at a swap-in.
      this.holdQueuedWork = false;
      await this.goLive(); // Thaws the triggers too.
      const reason = e instanceof Error ? e.message : String(e);
      throw new SwapFailedError(`swap-out of '${this.pid}' failed, the process stays active: ${reason}`, {
        cause: e,
        details: { app: this.app, pid: this.pid, ...(e instanceof PraasError ? { cause: e.toWire() } : {}) },
      });
    }
    this.generationValue = generation;
    this.statusValue = 'swapped';
    await this.publishRecord();
    await this.deps.transport.backup.trim(this.app, this.pid, this.backupCursor).catch(() => undefined);
    this.release();
    return generation;
  }

  /**
   * The swap-out gave up before it stopped traffic: the live subscription and the backup watch are
   * still open. What was diverted to the backup queue during the attempt is delivered first, in
   * queue order, while new traffic still goes behind it; then the process takes live traffic again.
   */
  private async resumeAfterQuiesceFailed(): Promise<void> {
    this.holdQueuedWork = false;
    try {
      await this.drainBackup();
    } finally {
      // Even when the drain failed (the queue could not be read): the process serves, and the backup
      // watch or the next message with a gap takes the queue again; the drain's error reaches the caller.
      this.statusValue = 'active';
      await this.publishRecord();
    }
  }

  /**
   * Waits until no call runs and no live invocation waits for a trigger (a waiting caller cannot
   * be carried across a swap); false after the drain timeout.
   */
  private async quiesce(): Promise<boolean> {
    const deadline = Date.now() + this.drainTimeoutMs;
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      const idle = await Promise.race([
        this.gate.idle().then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), remaining))),
      ]);
      clearTimeout(timer);
      if (!idle) return false;
      if (this.triggers.liveWaiters() === 0 && this.gate.active === 0) return true;
      await new Promise((resolve) => setTimeout(resolve, Math.min(20, Math.max(1, deadline - Date.now()))));
    }
  }

  /** Writes a snapshot without deactivating the process; returns the committed generation. */
  async checkpoint(): Promise<number> {
    while (this.checkpointRunning) await this.checkpointRunning.catch(() => undefined);
    if (this.statusValue !== 'active') throw new ProcessUnavailableError(this.app, this.pid, this.statusValue);
    const running = this.writeCheckpoint();
    this.checkpointRunning = running;
    try {
      return await running;
    } finally {
      this.checkpointRunning = undefined;
    }
  }

  private async writeCheckpoint(): Promise<number> {
    const generation = this.generationValue + 1;
    // Captured in one synchronous step: functions interleave only at await, so this is a consistent cut.
    // Large arrays are copied: functions keep running and may change them while chunks upload.
    const content = this.capture(generation, { copy: true });
    const cursor = this.backupCursor;
    const traffic = this.traffic;
    await this.deps.snapshots.commit(content.meta, encodeSnapshot(content), { collect: 'background' });
    this.generationValue = Math.max(this.generationValue, generation);
    this.trafficAtCheckpoint = traffic;
    await this.publishRecord();
    await this.deps.transport.backup.trim(this.app, this.pid, cursor).catch(() => undefined);
    return generation;
  }

  /** Stops the process without a snapshot (it is being deleted, or its host is going away hard). */
  async stop(): Promise<void> {
    this.triggers.dispose(unavailable(this.app, this.pid, 'deleted'));
    await this.stopTraffic();
    this.release();
    this.statusValue = 'deleted';
  }

  private release(): void {
    this.mailbox.rejectWaiters(new ProcessUnavailableError(this.app, this.pid, this.statusValue));
    for (const w of this.peerWatches) void w.unsubscribe();
    this.peerWatches.clear();
    this.instance = {};
  }

  private capture(generation: number, options: { copy: boolean }): SnapshotContent {
    const className = this.definition.name;
    const fields = this.definition.state.map((f) => {
      const value = this.instance[f.field];
      try {
        const encoded = this.deps.stateTypes.encodeField(className, f, value, (onClassInstance) =>
          encodeParts(value, `field ${className}.${f.field}`, { ...options, onClassInstance }),
        );
        return [f.field, encoded] as const;
      } catch (e) {
        if (e instanceof EncodeError) throw e;
        throw new EncodeError(`field ${className}.${f.field}`, String(e), e);
      }
    });
    const keyed = this.keyedState.entries().map(([k, v]) => [k, encode(v, `state key '${k}'`)] as const);
    const mailbox = this.mailbox.snapshot();
    return {
      meta: {
        format: SNAPSHOT_FORMAT,
        app: this.app,
        pid: this.pid,
        processClass: className,
        generation,
        createdAt: Date.now(),
      },
      fields,
      keyed,
      messages: mailbox.messages,
      seenIds: mailbox.seenIds,
      senders: [...this.senders].map(([from, s]) => [from, s.epoch, s.seq] as const),
      outbox: { epoch: this.outEpoch, seq: [...this.outSeq] },
      backupCursor: this.backupCursor,
      triggers: encode(this.triggers.snapshot()),
    };
  }

  private restore(content: RestoredSnapshot): void {
    const types = new Map(this.definition.state.map((f) => [f.field, f.type]));
    for (const [field, bytes] of content.fields) {
      if (!types.has(field)) continue; // A field removed from the class since the snapshot.
      this.instance[field] = decode(bytes, `field ${this.definition.name}.${field}`, types.get(field));
    }
    for (const [key, bytes] of content.keyed) this.keyedState.restore(key, decode(bytes, `state key '${key}'`));
    this.mailbox.restore({ messages: [...content.messages], seenIds: [...content.seenIds] });
    for (const [from, epoch, seq] of content.senders) this.senders.set(from, { epoch, seq });
    this.outEpoch = content.outbox.epoch;
    for (const [to, seq] of content.outbox.seq) this.outSeq.set(to, seq);
    this.backupCursor = content.backupCursor;
    this.generationValue = content.meta.generation;
    const accumulations = decode<PersistedAccumulation[] | null>(content.triggers, 'trigger accumulations');
    if (accumulations) this.triggers.restore(accumulations);
  }
}

function toPeer(record: ProcessRecord): PeerInfo {
  return { pid: record.pid, processClass: record.processClass, status: record.status };
}
