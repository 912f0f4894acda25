import {
  decode,
  decodeEnvelope,
  DuplicateMessageError,
  encodeWire,
  InvalidArgumentError,
  processSubject,
  startsPerInvocation,
  ProcessUnavailableError,
  toWireError,
  traceContextOf,
  type Envelope,
  type FunctionDefinition,
  type InvokeEnvelope,
  type Logger,
  type MessageEnvelope,
  type Part,
  type ProcessDefinition,
  type ReplyEnvelope,
  type Subscription,
  type Transport,
} from '@praas/framework/internal';
import type { Mailbox } from '../mailbox/mailbox';
import type { SenderSequences } from '../mailbox/sender-sequences';
import type { Contribution, ReplySink, TriggerEngine } from '../triggers/trigger-engine';
import type { BackupDrainer } from './backup-drainer';
import { findFunction, type CallRunner } from './call-runner';
import type { LifeCycle } from './life-cycle';
import { RecentInvocations } from './recent-invocations';
import type { HostMetrics } from '../metrics/host-metrics';

/** What an {@link InboundDispatcher} needs. */
export interface InboundDispatcherDeps {
  readonly app: string;
  readonly pid: string;
  readonly definition: ProcessDefinition;
  readonly transport: Transport;
  readonly lifeCycle: LifeCycle;
  readonly mailbox: Mailbox;
  readonly senders: SenderSequences;
  readonly triggers: TriggerEngine;
  readonly runner: CallRunner;
  readonly drainer: BackupDrainer;
  /** How long a live invocation that waits for a trigger is kept when it names no timeout. */
  readonly invokeTimeoutMs: number;
  readonly logger: Logger;
  /** Counters of this host (default: none). */
  readonly metrics?: HostMetrics;
}

const OK: ReplyEnvelope = Object.freeze({ ok: true });
/** The accepted-message answer, encoded once: it is the reply to every message. */
const OK_BYTES = encodeWire(OK);

/** The answer to traffic a process does not take now: the sender queues it (DESIGN §5). */
export function unavailable(app: string, pid: string, status: string): ReplyEnvelope {
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
 * Takes a process's inbound traffic (DESIGN §5, §5a): serves its data-plane subject, decodes,
 * keeps each sender's order (a gap drains the backup queue first), drops retried ids, and hands
 * each envelope to the mailbox, a trigger accumulation or a function call. Queued traffic from
 * the backup queue comes through {@link deliverQueued}; its replies go to the invocation's `replyTo`.
 */
export class InboundDispatcher {
  private readonly invocations = new RecentInvocations();
  private live: Subscription | undefined;
  private count = 0;
  private lastAt = Date.now();

  constructor(private readonly deps: InboundDispatcherDeps) {}

  /** Requests handled so far: unchanged means nothing arrived live. */
  get traffic(): number {
    return this.count;
  }
  /** When the last request arrived (ms since epoch). */
  get lastActivity(): number {
    return this.lastAt;
  }

  /** Serves the process's subject: live traffic arrives from now on. */
  async serve(): Promise<void> {
    const { app, pid, transport } = this.deps;
    this.live = await transport.serve(processSubject(app, pid), (bytes) => this.handleBytes(bytes));
  }

  /** Stops serving; requests already being handled finish. */
  async unserve(): Promise<void> {
    const live = this.live;
    this.live = undefined;
    await live?.unsubscribe();
  }

  /** Handles one request from the transport or from a process on the same host. */
  async handle(envelope: Envelope): Promise<ReplyEnvelope> {
    const { app, pid, lifeCycle } = this.deps;
    this.lastAt = Date.now();
    this.count++;
    if (envelope.t === 'msg') {
      // Messages are accepted until the live subscription closes, even while running calls finish.
      if (this.live === undefined) return unavailable(app, pid, lifeCycle.status);
      // Messages to a function start work; like invocations, they wait for the next swap-in.
      if (envelope.fn !== undefined && lifeCycle.status !== 'active') return unavailable(app, pid, lifeCycle.status);
      return (await this.acceptLive(envelope)) ? OK : outOfOrder(app, pid, envelope);
    }
    if (lifeCycle.status !== 'active') return unavailable(app, pid, lifeCycle.status);
    // A retry of an invocation (same id, e.g. after a broken direct connection) does not run it twice.
    const retryFailure = envelope.timer !== undefined;
    return (
      this.invocations.get(envelope.id) ??
      this.invocations.track(envelope.id, this.invokeHere(envelope), { retryFailure })
    );
  }

  /** Dispatches an invocation made in this process (to a trigger function of its own). */
  invokeHere(envelope: InvokeEnvelope): Promise<ReplyEnvelope> {
    return new Promise<ReplyEnvelope>((resolve) => this.dispatch(envelope, { sink: resolve }));
  }

  /** Takes one envelope from the backup queue. */
  deliverQueued(envelope: Envelope): void {
    if (envelope.t === 'msg') return this.accept(envelope, true);
    // An idempotent call queued again by a caller that took the host for dead (its live attempt ran
    // or runs here) gets that attempt's reply: it does not run twice.
    const earlier = this.invocations.get(envelope.id);
    if (earlier === undefined) return this.dispatch(envelope, { queued: true });
    void earlier.then((reply) => {
      if (envelope.replyTo !== undefined) this.replyQueued(envelope.replyTo, reply);
    });
  }

  /** A trigger completed: one call with every contribution, in arrival order. */
  fire(fn: FunctionDefinition, parts: readonly Contribution[], reply: ReplySink): void {
    this.deps.runner.start(
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

  /**
   * Publishes the reply of a queued invocation. While the process goes live, it waits until the
   * registry says so: a caller whose invocation swapped the process in then reads it as active.
   */
  replyQueued(replyTo: string, reply: ReplyEnvelope): void {
    const { lifeCycle, transport, logger } = this.deps;
    lifeCycle
      .announced()
      .then(() => transport.publish(replyTo, encodeWire(reply)))
      .catch((err: unknown) =>
        // The caller is gone (its reply subject has no listener) or the transport closed: nobody to tell.
        logger.debug('the reply of a queued invocation found no caller', { err, replyTo }),
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
  private async acceptLive(envelope: MessageEnvelope): Promise<boolean> {
    const { senders, drainer } = this.deps;
    if (!senders.inSequence(envelope)) {
      await drainer.drain();
      if (!senders.inSequence(envelope)) return false;
    }
    this.accept(envelope, false);
    return true;
  }

  /** Puts a message into the mailbox, or hands it to the function it is addressed to. */
  private accept(envelope: MessageEnvelope, fromBackup: boolean): void {
    const { definition, senders, mailbox, triggers, runner } = this.deps;
    const fn = envelope.fn === undefined ? undefined : definition.functions.get(envelope.fn);
    // A live sender learns at once that the function does not exist; a queued one cannot be told.
    if (envelope.fn !== undefined && !fn && !fromBackup) findFunction(definition, envelope.fn);
    senders.accept(envelope);
    this.deps.metrics?.messages.inc({ direction: 'in' });
    if (envelope.fn === undefined) {
      const { id, from, key, data, trace } = envelope;
      mailbox.put(trace === undefined ? { id, from, key, data } : { id, from, key, data, trace });
      return;
    }
    if (!fn || triggers.has(envelope.id) || !mailbox.markSeen(envelope.id)) return;
    if (startsPerInvocation(fn.trigger)) {
      runner.start(
        fn,
        () => decode(envelope.data, `message '${envelope.key}' to '${fn.name}'`),
        () => undefined,
        undefined,
        traceContextOf(envelope.trace),
      );
    } else {
      triggers.contribute(fn, { id: envelope.id, source: envelope.from, key: envelope.key, data: envelope.data });
    }
  }

  /**
   * Handles an invocation: a standard function starts a call; a multi-source or batch function
   * takes it as a contribution. A live invocation hands its reply to `sink`; a queued one (from the
   * backup queue) publishes it to its `replyTo`, which survives a swap while it waits in a trigger.
   */
  private dispatch(envelope: InvokeEnvelope, target: { sink: ReplySink } | { queued: true }): void {
    const { definition, pid, mailbox, triggers, runner } = this.deps;
    const replyTo = envelope.replyTo;
    const sink: ReplySink =
      'sink' in target
        ? target.sink
        : (reply) => {
            if (replyTo !== undefined) this.replyQueued(replyTo, reply);
          };
    let fn: FunctionDefinition;
    try {
      fn = findFunction(definition, envelope.fn);
      if (fn.trigger.kind === 'multiSource' && envelope.key === undefined) {
        throw new InvalidArgumentError(
          `'${fn.name}' of '${pid}' is a multi-source function: give the invocation key, e.g. invoke(dest, '${fn.name}', data, { key: epoch })`,
          { function: fn.name, pid },
        );
      }
    } catch (e) {
      sink({ ok: false, error: toWireError(e) });
      return;
    }
    if (startsPerInvocation(fn.trigger)) {
      const timer = envelope.timer;
      // A timer's firing that already succeeded here (its id is remembered, in the snapshot too) is done.
      if (timer !== undefined && mailbox.hasSeen(envelope.id)) return sink(OK);
      const firing = timer && { timer, succeeded: () => void mailbox.markSeen(envelope.id) };
      // The call runs no longer than its caller waits: after that nobody takes its result.
      const run = (reply: ReplySink): void =>
        runner.start(
          fn,
          () => decode(envelope.data, `argument of '${envelope.fn}'`),
          reply,
          envelope.timeoutMs,
          traceContextOf(envelope.trace),
          firing,
        );
      if ('sink' in target) run(sink);
      // A queued call is tracked like a live one, so a live retry with its id joins it.
      else {
        const reply = new Promise<ReplyEnvelope>((resolve) => run(resolve));
        void this.invocations.track(envelope.id, reply, { retryFailure: timer !== undefined }).then(sink);
      }
      return;
    }
    if (!triggers.has(envelope.id) && !mailbox.markSeen(envelope.id)) {
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
    triggers.contribute(
      fn,
      contribution,
      'sink' in target ? { sink, timeoutMs: envelope.timeoutMs ?? this.deps.invokeTimeoutMs } : undefined,
    );
  }
}
