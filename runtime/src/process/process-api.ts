import {
  ANY,
  decode,
  encode,
  InvalidArgumentError,
  normalizeKey,
  SELF,
  unwrapReply,
  validateName,
  type DataPlaneClient,
  type Destination,
  type InvokeOptions,
  type Part,
  type PeerEvent,
  type PeerInfo,
  type ProcessDefinition,
  type ProcessRecord,
  type RecvOptions,
  type Logger,
  type Registry,
  type ReplyEnvelope,
  type SendOptions,
  type SequencedSender,
  type Source,
  type Subscription,
  type Unsubscribe,
  type LocalReceiver,
} from '@praas/framework';
import type { Mailbox } from '../mailbox/mailbox';
import type { KeyedState } from '../state/keyed-state';
import { findFunction, type CallRunner } from './call-runner';
import type { InboundDispatcher } from './inbound-dispatcher';
import type { ContextHost } from './process-context';

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
  private readonly peerWatches = new Set<Subscription>();

  constructor(private readonly deps: ProcessApiDeps) {
    this.app = deps.app;
    this.pid = deps.pid;
    this.keyedState = deps.keyedState;
  }

  async send(dest: Destination, key: string | number, data: unknown, options: SendOptions = {}): Promise<void> {
    const target = this.resolve(dest);
    const messageKey = normalizeKey('message key', key);
    const fn = options.fn === undefined ? undefined : validateName('function', options.fn);
    const bytes = encode(data, `message '${messageKey}' to '${target}'`);
    // Numbered in call order; the data plane keeps that order on the wire and in its fallback,
    // so sends to one receiver may be pipelined.
    const envelope = this.deps.sender.message(target, messageKey, bytes, { id: options.id, fn });
    return this.deps.dataPlane.send(target, envelope, this.deps.directory.local(target));
  }

  async recv<T>(source: Source, key: string | number, options: RecvOptions = {}): Promise<Part<T>> {
    if (source !== SELF && source !== ANY) validateName('pid', source);
    const timeoutMs = options.timeoutMs;
    if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs >= 0)) {
      throw new InvalidArgumentError(`recv timeoutMs must be a non-negative number, got ${String(timeoutMs)}`);
    }
    const messageKey = normalizeKey('message key', key);
    const message = await this.deps.mailbox.take(source, messageKey, timeoutMs);
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
    if (self && findFunction(definition, fn).trigger.kind === 'standard') {
      // Functions of one process share its memory: a call to SELF is a direct call, arguments by reference.
      return (await runner.call(findFunction(definition, fn), data)) as R;
    }
    const target = this.resolve(dest);
    const envelope = sender.invocation(fn, encode(data, `argument of '${fn}' for '${target}'`), {
      id: options.id,
      key,
      timeoutMs,
    });
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

  private resolve(dest: Destination): string {
    if (dest === SELF) return this.pid;
    return validateName('pid', dest);
  }
}

function toPeer(record: ProcessRecord): PeerInfo {
  return { pid: record.pid, processClass: record.processClass, status: record.status };
}
