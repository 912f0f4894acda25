import { fromWireError, NoRespondersError, PraasError, ProcessNotFoundError, TimeoutError } from '../errors';
import type { Registry } from '../registry/registry';
import {
  decodeReply,
  encodeWire,
  type ControlRequest,
  type InvokeEnvelope,
  type MessageEnvelope,
  type ReplyEnvelope,
} from '../wire/envelope';
import { activationSubject, processSubject, replySubject } from '../wire/subjects';
import type { Transport } from './transport';

export const DEFAULT_INVOKE_TIMEOUT_MS = 30_000;
/** How long a request to an active process may take before it counts as not answering. */
const ACCEPT_TIMEOUT_MS = 10_000;

/**
 * Delivers messages and invocations to processes of one application over a Transport
 * (DESIGN §5): a request to the process's subject when it is active; otherwise the backup
 * queue, and for invocations an activation request and a wait for the reply.
 * The registry is consulted only off the fast path, to tell a swapped process from an unknown one.
 */
export class DataPlaneClient {
  constructor(
    private readonly transport: Transport,
    private readonly registry: Registry,
    readonly app: string,
  ) {}

  /** Resolves once the message is accepted: in the active process's mailbox, or durable in its backup queue. */
  async send(pid: string, envelope: MessageEnvelope): Promise<void> {
    const bytes = encodeWire(envelope);
    const reply = await this.tryLive(pid, bytes, ACCEPT_TIMEOUT_MS);
    if (reply?.ok) return;
    if (reply && reply.error.code !== 'PROCESS_UNAVAILABLE') throw fromWireError(reply.error);
    await this.assertExists(pid);
    await this.transport.backup.append(this.app, pid, envelope.id, bytes);
  }

  /** Invokes a function and returns the raw reply; queued and activated when the process is not active. */
  async invoke(pid: string, envelope: InvokeEnvelope, timeoutMs = DEFAULT_INVOKE_TIMEOUT_MS): Promise<ReplyEnvelope> {
    const deadline = Date.now() + timeoutMs;
    const reply = await this.tryLive(pid, encodeWire(envelope), timeoutMs);
    if (reply && (reply.ok || reply.error.code !== 'PROCESS_UNAVAILABLE')) return reply;
    await this.assertExists(pid);
    return this.invokeQueued(pid, envelope, Math.max(1, deadline - Date.now()));
  }

  /** Asks the application's hosts to bring a process in; resolves when it is active. */
  async activate(pid: string, timeoutMs = DEFAULT_INVOKE_TIMEOUT_MS): Promise<void> {
    const request: ControlRequest = { op: 'activate', app: this.app, pid };
    const reply = decodeReply(
      await this.transport.request(activationSubject(this.app), encodeWire(request), { timeoutMs }),
    );
    if (!reply.ok) throw fromWireError(reply.error);
  }

  private async tryLive(pid: string, bytes: Uint8Array, timeoutMs: number): Promise<ReplyEnvelope | undefined> {
    try {
      return decodeReply(await this.transport.request(processSubject(this.app, pid), bytes, { timeoutMs }));
    } catch (e) {
      if (e instanceof NoRespondersError) return undefined;
      if (e instanceof TimeoutError)
        throw new TimeoutError(`process '${pid}' of '${this.app}' did not answer within ${timeoutMs} ms`, {
          app: this.app,
          pid,
        });
      throw e;
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
      const activating = this.activateUntil(pid, Date.now() + timeoutMs).then(() => result);
      return await Promise.race([result, activating, timeout]);
    } finally {
      clearTimeout(timer);
      await sub.unsubscribe();
    }
  }

  private async activateUntil(pid: string, deadline: number): Promise<void> {
    for (let wait = 50; ; wait = Math.min(wait * 2, 1_000)) {
      try {
        await this.activate(pid, Math.max(1, deadline - Date.now()));
        return;
      } catch (e) {
        if (!(e instanceof PraasError && e.retryable)) throw e;
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
