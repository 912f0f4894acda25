import {
  activeTraceContext,
  ANY,
  decode,
  encode,
  failSpan,
  hasSpan,
  inSpan,
  InvalidArgumentError,
  normalizeKey,
  SELF,
  SpanKind,
  startSpan,
  startsPerInvocation,
  TRACE_ATTRIBUTES,
  traceContextOf,
  unwrapReply,
  validateName,
  withTrace,
  type DataPlaneClient,
  type Destination,
  type InvokeOptions,
  type Part,
  type PeerEvent,
  type PeerInfo,
  type PeerPage,
  type PeerPageQuery,
  type ProcessDefinition,
  type ProcessRecord,
  type RecvOptions,
  type Logger,
  type Registry,
  type ReplyEnvelope,
  type InvokeEnvelope,
  type SendOptions,
  type SequencedSender,
  type Source,
  type Subscription,
  type Unsubscribe,
  type LocalReceiver,
} from '@praas/framework/internal';
import type { Mailbox, StoredMessage } from '../mailbox/mailbox';
import type { KeyedState } from '../state/keyed-state';
import { findFunction, type CallRunner } from './call-runner';
import type { InboundDispatcher } from './inbound-dispatcher';
import type { ContextHost } from './process-context';
import type { HostMetrics } from '../metrics/host-metrics';
import { ProcessTimers, type HostTimers, type TimerApi } from '../timers/process-timers';

/** Finds the processes on the same host, which take envelopes in memory. */
export interface LocalDirectory {
  local(pid: string): LocalReceiver | undefined;
}

/** What a {@link ProcessApi} needs. */
export interface ProcessApiDeps {
  readonly app: string;
  readonly pid: string;
  readonly definition: ProcessDefinition;
  readonly keyedState: KeyedState;
  readonly mailbox: Mailbox;
  /** This process as a sender: its id, incarnation and numbering per receiver. */
  readonly sender: SequencedSender;
  readonly runner: CallRunner;
  readonly inbound: InboundDispatcher;
  readonly dataPlane: DataPlaneClient;
  readonly directory: LocalDirectory;
  readonly registry: Registry;
  /** Default timeout of `ctx.invoke`. */
  readonly invokeTimeoutMs: number;
  /** Where a peer watch that could not be set up is reported (the caller has its unsubscribe already). */
  readonly logger: Logger;
  /** Counters of this host (default: none). */
  readonly metrics?: HostMetrics;
  /** The host's timer store and firer; without, `ctx.schedule` and the like fail. */
  readonly timers?: HostTimers;
}

/**
 * The process API a function's `ctx` calls (DESIGN §1, PraaS Listing 1): send, recv, invoke,
 * peers. Sends and remote invocations go through the data plane, or in memory to a process on the
 * same host; a call of a standard function of this process is a direct call.
 */
export class ProcessApi implements ContextHost {
  readonly app: string;
  readonly pid: string;
  readonly keyedState: KeyedState;
  readonly timerApi?: TimerApi;
  private readonly peerWatches = new Set<Subscription>();

  constructor(private readonly deps: ProcessApiDeps) {
    this.app = deps.app;
    this.pid = deps.pid;
    this.keyedState = deps.keyedState;
    if (deps.timers) this.timerApi = new ProcessTimers(deps.app, deps.pid, deps.definition, deps.timers);
  }

  async send(dest: Destination, key: string | number, data: unknown, options: SendOptions = {}): Promise<void> {
    const target = this.resolve(dest);
    const messageKey = normalizeKey('message key', key);
    const fn = options.fn === undefined ? undefined : validateName('function', options.fn);
    const bytes = encode(data, `message '${messageKey}' to '${target}'`);
    const attributes = this.spanAttributes(target, { [TRACE_ATTRIBUTES.key]: messageKey });
    // Synchronous up to the data plane's send: numbering stays in call order.
    await inSpan(`send ${messageKey}`, { kind: SpanKind.PRODUCER, attributes }, async () => {
      // Numbered in call order; the data plane keeps that order on the wire and in its fallback,
      // so sends to one receiver may be pipelined.
      const envelope = withTrace(this.deps.sender.message(target, messageKey, bytes, { id: options.id, fn }));
      await this.deps.dataPlane.send(target, envelope, this.deps.directory.local(target));
    });
    this.deps.metrics?.messages.inc({ direction: 'out' });
  }

  async recv<T>(source: Source, key: string | number, options: RecvOptions = {}): Promise<Part<T>> {
    if (source !== SELF && source !== ANY) validateName('pid', source);
    const timeoutMs = options.timeoutMs;
    if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs >= 0)) {
      throw new InvalidArgumentError(`recv timeoutMs must be a non-negative number, got ${String(timeoutMs)}`);
    }
    const messageKey = normalizeKey('message key', key);
    const startTime = Date.now();
    let message: StoredMessage;
    try {
      message = await this.deps.mailbox.take(source, messageKey, timeoutMs);
    } catch (e) {
      const span = startSpan(`recv ${messageKey}`, { kind: SpanKind.CONSUMER, startTime });
      failSpan(span, e);
      span.end();
      throw e;
    }
    this.traceRecv(message, startTime);
    return {
      source: message.from,
      key: message.key,
      data: decode<T>(message.data, `message '${message.key}' from '${message.from}'`),
    };
  }

  async invoke<R>(dest: Destination, fn: string, data: unknown, options: InvokeOptions = {}): Promise<R> {
    validateName('function', fn);
    const { definition, runner, sender } = this.deps;
    const key = options.key === undefined ? undefined : normalizeKey('message key', options.key);
    const timeoutMs = options.timeoutMs ?? this.deps.invokeTimeoutMs;
    const self = dest === SELF || dest === this.pid;
    if (self && startsPerInvocation(findFunction(definition, fn).trigger)) {
      // Functions of one process share its memory: a call to SELF is a direct call, arguments by reference.
      return (await runner.call(findFunction(definition, fn), data, timeoutMs)) as R;
    }
    const target = this.resolve(dest);
    const bytes = encode(data, `argument of '${fn}' for '${target}'`);
    const attributes = this.spanAttributes(target, { [TRACE_ATTRIBUTES.fn]: fn });
    return inSpan(`invoke ${fn}`, { kind: SpanKind.CLIENT, attributes }, async () => {
      const envelope = withTrace(sender.invocation(fn, bytes, { id: options.id, key, timeoutMs }));
      return this.invokeRemote<R>(self, target, fn, envelope, timeoutMs, options.id !== undefined);
    });
  }

  /** An invocation of a trigger function of this process, or of a function of another process. */
  private async invokeRemote<R>(
    self: boolean,
    target: string,
    fn: string,
    envelope: InvokeEnvelope,
    timeoutMs: number,
    idempotent: boolean,
  ): Promise<R> {
    if (self) {
      // A trigger function of this process: the call contributes like any other invocation.
      const bytes = unwrapReply(await this.deps.inbound.invokeHere(envelope));
      return (bytes === undefined ? undefined : decode(bytes, `result of '${fn}'`)) as R;
    }
    const local = this.deps.directory.local(target);
    let reply: ReplyEnvelope | undefined;
    if (local) {
      reply = await local.handle(envelope);
      if (!reply.ok && reply.error.code === 'PROCESS_UNAVAILABLE') reply = undefined;
    }
    // With an id of the caller's own, a call whose host died on the way goes to the process's new holder.
    reply ??= await this.deps.dataPlane.invoke(target, envelope, timeoutMs, { idempotent });
    const bytes = unwrapReply(reply);
    return (bytes === undefined ? undefined : decode(bytes, `result of '${fn}' from '${target}'`)) as R;
  }

  async peers(): Promise<PeerInfo[]> {
    const records = await this.deps.registry.listProcesses(this.app);
    return records.map(toPeer);
  }

  async peerPage(query: PeerPageQuery = {}): Promise<PeerPage> {
    const page = await this.deps.registry.listProcessPage(this.app, query);
    return { peers: page.processes.map(toPeer), ...(page.cursor === undefined ? {} : { cursor: page.cursor }) };
  }

  watchPeers(listener: (event: PeerEvent) => void): Unsubscribe {
    let subscription: Subscription | undefined;
    let stopped = false;
    void this.deps.registry
      .watchProcesses(this.app, (event) => {
        if (!stopped) listener({ type: event.type === 'deleted' ? 'deleted' : 'updated', peer: toPeer(event.record) });
      })
      .then(
        (s) => {
          subscription = s;
          if (stopped) void s.unsubscribe();
          else this.peerWatches.add(s);
        },
        // The caller got its unsubscribe function already; the failure can only be reported.
        (e: unknown) => this.deps.logger.warn('the peer watch could not be set up', { err: e }),
      );
    return () => {
      stopped = true;
      if (subscription) {
        this.peerWatches.delete(subscription);
        void subscription.unsubscribe();
      }
    };
  }

  /** Ends the peer watches the process's functions left open (it is swapped out or stopped). */
  release(): void {
    for (const w of this.peerWatches) void w.unsubscribe();
    this.peerWatches.clear();
  }

  /** The attributes of a send or invoke span: from this process to `target`. */
  private spanAttributes(target: string, extra: Record<string, string>): Record<string, string> {
    return { [TRACE_ATTRIBUTES.app]: this.app, [TRACE_ATTRIBUTES.pid]: this.pid, 'praas.target': target, ...extra };
  }

  /**
   * A recv is a span from the call to the message's arrival: a child of the running call, linked
   * to the send of the message; without a traced call, a child of the send.
   */
  private traceRecv(message: StoredMessage, startTime: number): void {
    const active = activeTraceContext();
    const sent = message.trace === undefined ? undefined : traceContextOf(message.trace);
    const traced = hasSpan(active);
    if (!traced && sent === undefined) return;
    const span = startSpan(`recv ${message.key}`, {
      kind: SpanKind.CONSUMER,
      startTime,
      parent: traced ? active : sent,
      ...(traced && sent !== undefined ? { links: [sent] } : {}),
      attributes: {
        [TRACE_ATTRIBUTES.app]: this.app,
        [TRACE_ATTRIBUTES.pid]: this.pid,
        [TRACE_ATTRIBUTES.key]: message.key,
        'praas.source': message.from,
      },
    });
    span.end();
  }

  private resolve(dest: Destination): string {
    if (dest === SELF) return this.pid;
    return validateName('pid', dest);
  }
}

function toPeer(record: ProcessRecord): PeerInfo {
  return { pid: record.pid, processClass: record.processClass, status: record.status };
}
