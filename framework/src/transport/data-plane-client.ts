import {
  fromWireError,
  HostFailedError,
  NoRespondersError,
  PraasError,
  ProcessNotFoundError,
  ProcessUnavailableError,
  TimeoutError,
} from '../errors';
import type { Registry } from '../registry/registry';
import {
  decodeReply,
  encodeWire,
  type ControlRequest,
  type Envelope,
  type InvokeEnvelope,
  type MessageEnvelope,
  type ReplyEnvelope,
} from '../wire/envelope';
import type { TraceCarrier } from '../tracing/tracing';
import { activationSubject, processSubject, replySubject } from '../wire/subjects';
import { HostWatch, type HostWatchTiming } from './host-watch';
import type { Transport } from './transport';

export const DEFAULT_INVOKE_TIMEOUT_MS = 30_000;
/** How long a request to an active process may take before it counts as not answering. */
const ACCEPT_TIMEOUT_MS = 10_000;
/** Activation failures that mean "no host could take it yet": no host is up, the one asked died, the process is still swapping out. */
const KEEP_ASKING: ReadonlySet<string> = new Set([
  NoRespondersError.code,
  TimeoutError.code,
  ProcessUnavailableError.code,
]);

/** What {@link DataPlaneClient.invoke} may do when the process's host dies while the call is in flight. */
export interface InvokeRetry {
  /**
   * The invocation carries an id of the caller's own (an idempotency key): it is queued for the
   * process's new holder instead of failing with HostFailedError. The new holder runs it again if
   * the dead host had not committed it, so the function must tolerate a second run with that id.
   */
  readonly idempotent?: boolean;
}

/** A process on the same host as the sender, which takes envelopes in memory. */
export interface LocalReceiver {
  handle(envelope: Envelope): Promise<ReplyEnvelope>;
}

/** The messages of one sender to one receiver that are not settled yet. */
interface SendStream {
  /** Settles after the newest message of the stream settled (never rejects). */
  tail: Promise<void>;
  /** Messages refused live and not yet queued: while there are any, new ones wait their turn. */
  refused: number;
}

/**
 * Delivers messages and invocations to processes of one application over a Transport
 * (DESIGN §5): a request to the process's subject when it is active; otherwise the backup
 * queue, and for invocations an activation request and a wait for the reply.
 * The registry is consulted only off the fast path, to tell a swapped process from an unknown one.
 *
 * Sends of one sender to one receiver may be pipelined: each goes out at once, in call order, and
 * they settle in that order. One that the receiver refuses (not active, or an earlier message of
 * the sender is still on its way) goes to the backup queue only after every earlier one settled,
 * so the queue holds a sender's messages in its order; the receiver takes a live message only
 * when it is the next of its sender (DESIGN §5a).
 */
export class DataPlaneClient {
  private readonly streams = new Map<string, SendStream>();
  private readonly hosts: HostWatch;

  constructor(
    private readonly transport: Transport,
    private readonly registry: Registry,
    readonly app: string,
    hostWatch?: HostWatchTiming,
  ) {
    this.hosts = new HostWatch(transport, registry, app, hostWatch);
  }

  /**
   * Resolves once the message is accepted: in the active process's mailbox, or durable in its
   * backup queue. With `local`, the receiver on this host is tried in memory first.
   */
  send(pid: string, envelope: MessageEnvelope, local?: LocalReceiver): Promise<void> {
    const key = `${envelope.from}>${pid}`;
    let stream = this.streams.get(key);
    if (!stream) this.streams.set(key, (stream = { tail: Promise.resolve(), refused: 0 }));
    const own = stream;
    const previous = own.tail;
    let bytes: Uint8Array | undefined;
    const encoded = (): Uint8Array => (bytes ??= encodeWire(envelope));
    const live = (): Promise<ReplyEnvelope | undefined> =>
      // A message whose host died in flight goes to the backup queue: the new holder takes it (by id, once).
      local ? local.handle(envelope) : this.tryLive(pid, encoded(), ACCEPT_TIMEOUT_MS, 'queue');
    // After a refusal the receiver takes nothing of this sender live until the refused message is
    // queued: later sends wait for it instead of being refused too.
    const attempt = own.refused > 0 ? previous.then(live) : live();
    let counted = false;
    const settled = (async () => {
      let reply: ReplyEnvelope | undefined;
      let failure: { error: unknown } | undefined;
      try {
        reply = await attempt;
      } catch (error) {
        failure = { error };
      }
      if (failure || (!reply?.ok && (reply === undefined || reply.error.code === 'PROCESS_UNAVAILABLE'))) {
        counted = true;
        own.refused++;
      }
      // Settled in call order, failures included: a later message never gets ahead of this one.
      await previous;
      if (failure) throw failure.error;
      if (reply?.ok) return;
      if (reply && reply.error.code !== 'PROCESS_UNAVAILABLE') throw fromWireError(reply.error);
      if (local) {
        // Not active here (any more): it may be active on another host.
        reply = await this.tryLive(pid, encoded(), ACCEPT_TIMEOUT_MS, 'queue');
        if (reply?.ok) return;
        if (reply && reply.error.code !== 'PROCESS_UNAVAILABLE') throw fromWireError(reply.error);
      }
      await this.assertExists(pid);
      await this.transport.backup.append(this.app, pid, envelope.id, encoded());
    })();
    const tail = settled.then(
      () => undefined,
      () => undefined,
    );
    own.tail = tail;
    void tail.then(() => {
      if (counted) own.refused--;
      if (own.tail === tail && this.streams.get(key) === own) this.streams.delete(key);
    });
    return settled;
  }

  /**
   * Invokes a function and returns the raw reply; queued and activated when the process is not
   * active. The envelope carries `timeoutMs` when it names none: the call runs no longer than its
   * caller waits (it is abandoned after that, and its slot freed).
   */
  async invoke(
    pid: string,
    invocation: InvokeEnvelope,
    timeoutMs = DEFAULT_INVOKE_TIMEOUT_MS,
    options: InvokeRetry = {},
  ): Promise<ReplyEnvelope> {
    const deadline = Date.now() + timeoutMs;
    const envelope: InvokeEnvelope = invocation.timeoutMs === undefined ? { ...invocation, timeoutMs } : invocation;
    const reply = await this.tryLive(pid, encodeWire(envelope), timeoutMs, options.idempotent ? 'queue' : 'fail');
    if (reply && (reply.ok || reply.error.code !== 'PROCESS_UNAVAILABLE')) return reply;
    await this.assertExists(pid);
    return this.invokeQueued(pid, envelope, Math.max(1, deadline - Date.now()));
  }

  /**
   * Asks the application's hosts to bring a process in; resolves when it is active. With `trace`
   * (the invocation's), the swap-in shows in that trace.
   */
  async activate(pid: string, timeoutMs = DEFAULT_INVOKE_TIMEOUT_MS, trace?: TraceCarrier): Promise<void> {
    const request: ControlRequest =
      trace === undefined ? { op: 'activate', app: this.app, pid } : { op: 'activate', app: this.app, pid, trace };
    const reply = decodeReply(
      await this.transport.request(activationSubject(this.app), encodeWire(request), { timeoutMs }),
    );
    if (!reply.ok) throw fromWireError(reply.error);
  }

  /**
   * One request to the active process. Undefined when nobody serves it, or when its host died on
   * the way and `onHostFailure` is 'queue' (the caller queues it for the new holder); with 'fail'
   * a dead host is a HostFailedError naming it, as soon as it is known (see HostWatch).
   */
  private async tryLive(
    pid: string,
    bytes: Uint8Array,
    timeoutMs: number,
    onHostFailure: 'queue' | 'fail',
  ): Promise<ReplyEnvelope | undefined> {
    const watch = this.hosts.watch(pid);
    try {
      const request = this.transport.request(processSubject(this.app, pid), bytes, { timeoutMs });
      const died = watch.failed.then((error): never => {
        throw error;
      });
      return decodeReply(await Promise.race([request, died]));
    } catch (e) {
      if (e instanceof HostFailedError && onHostFailure === 'queue') return undefined;
      if (e instanceof NoRespondersError) return undefined;
      if (e instanceof TimeoutError)
        throw new TimeoutError(`process '${pid}' of '${this.app}' did not answer within ${timeoutMs} ms`, {
          app: this.app,
          pid,
        });
      throw e;
    } finally {
      watch.stop();
    }
  }

  private async invokeQueued(pid: string, envelope: InvokeEnvelope, timeoutMs: number): Promise<ReplyEnvelope> {
    const replyTo = replySubject(this.app, envelope.id);
    let settle!: (reply: ReplyEnvelope) => void;
    const result = new Promise<ReplyEnvelope>((resolve) => (settle = resolve));
    const sub = await this.transport.serve(replyTo, (data) => {
      settle(decodeReply(data));
      return Promise.resolve(new Uint8Array(0));
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      const queued: InvokeEnvelope = { ...envelope, replyTo };
      await this.transport.backup.append(this.app, pid, envelope.id, encodeWire(queued));
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new TimeoutError(
                `process '${pid}' of '${this.app}' did not answer '${envelope.fn}' within ${timeoutMs} ms`,
                { app: this.app, pid, function: envelope.fn },
              ),
            ),
          timeoutMs,
        );
      });
      // Until the deadline: no host may be up yet (or the one asked just died); ask again. A failed
      // activation fails the race; after the race it has a handler there, so nothing goes unhandled.
      const activating = this.activateUntil(pid, Date.now() + timeoutMs, envelope.trace).then(() => result);
      return await Promise.race([result, activating, timeout]);
    } finally {
      clearTimeout(timer);
      await sub.unsubscribe();
    }
  }

  private async activateUntil(pid: string, deadline: number, trace: TraceCarrier | undefined): Promise<void> {
    for (let wait = 50; ; wait = Math.min(wait * 2, 1_000)) {
      try {
        await this.activate(pid, Math.max(1, deadline - Date.now()), trace);
        return;
      } catch (e) {
        // Asked again only while no host could take the activation. Any other failure is the answer
        // of a host that tried and failed (its swap store unreachable, say), and it already retried
        // what was worth retrying: the caller gets that reason now, not a TimeoutError at its deadline.
        if (!(e instanceof PraasError && KEEP_ASKING.has(e.code))) throw e;
        // Out of time: the caller's deadline turns this into a TimeoutError naming the process.
        if (Date.now() + wait >= deadline) return;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  private async assertExists(pid: string): Promise<void> {
    const record = await this.registry.getProcess(this.app, pid);
    if (!record || record.status === 'deleted') throw new ProcessNotFoundError(this.app, pid);
  }
}

/** Turns a reply into its value or throws its error. */
export function unwrapReply(reply: ReplyEnvelope): Uint8Array | undefined {
  if (reply.ok) return reply.data;
  throw fromWireError(reply.error);
}
