import {
  activationQueue,
  activationSubject,
  decodeControl,
  encodeWire,
  hostSubject,
  InvalidArgumentError,
  toWireError,
  withTraceOf,
  type ControlRequest,
  type Logger,
  type ProcessInfo,
  type ProcessInspection,
  type ReplyEnvelope,
  type ScaleDownOutcome,
  type Subscription,
  type Transport,
} from '@praas/framework/internal';

/** Options of {@link HostOperations.create}. */
export interface CreateOptions {
  /** With deployed code: the application incarnation the gateway created the process for. */
  readonly incarnation?: string | undefined;
  /**
   * The control plane generated the pid (64 random bits): no earlier process of that pid left
   * snapshots, so none are looked for (a pid the caller named may have had a deleted predecessor).
   */
  readonly generated?: boolean | undefined;
}

/** What a host does for the control requests it takes. */
export interface HostOperations {
  create(pid: string, processClass: string, options?: CreateOptions): Promise<ProcessInfo>;
  activate(pid: string, options: { forwarded?: boolean }): Promise<ProcessInfo>;
  swapOut(pid: string): Promise<ProcessInfo>;
  /** Moves an active process to code `version`: swapped out and in again on it (a rolling upgrade). */
  upgrade(pid: string, version: number): Promise<ProcessInfo>;
  /** Looks for newer code in the application record now, rather than at the next heartbeat. */
  refreshCode(): Promise<void>;
  checkpoint(pid: string): Promise<ProcessInfo>;
  delete(pid: string): Promise<void>;
  /** The processes hosted here. */
  describe(): ProcessInfo[];
  /** A process's state, live when it is active here, else from its newest committed snapshot. */
  inspect(pid: string, maxChars?: number): Promise<ProcessInspection>;
}

/** The host's own down-scaling decisions, asked for by the gateway's policy (`scale-down`). */
export interface HostScaleDown {
  scaleDown(): Promise<ScaleDownOutcome[]>;
}

/**
 * The host's side of the control wire (DESIGN §4): requests from the gateway and from other hosts
 * on the host's own subject, and activations on the application's queue group (any one host
 * answers). Each request is decoded, run, and answered with the result or the error in wire form.
 */
export class ControlHandler {
  private readonly subscriptions: Subscription[] = [];

  constructor(
    private readonly app: string,
    private readonly hostId: string,
    private readonly operations: HostOperations,
    private readonly logger: Logger,
    private readonly downScaling?: HostScaleDown,
  ) {}

  /** Answers one encoded request with an encoded reply; never rejects. */
  async handle(bytes: Uint8Array): Promise<Uint8Array> {
    let reply: ReplyEnvelope;
    let request: ControlRequest | undefined;
    try {
      const decoded = (request = decodeControl(bytes));
      const result = await withTraceOf(decoded.trace, () => this.run(decoded));
      reply = result === undefined ? { ok: true } : { ok: true, data: encodeWire(result) };
    } catch (e) {
      // The caller gets the error; the log says which request failed, for tracing across hosts.
      this.logger.debug('control request failed', { op: request?.op, pid: request?.pid, err: e });
      reply = { ok: false, error: toWireError(e) };
    }
    return encodeWire(reply);
  }

  /** Subscribes to the host's subject and the application's activation queue. */
  async serve(transport: Transport): Promise<void> {
    const handler = (bytes: Uint8Array): Promise<Uint8Array> => this.handle(bytes);
    this.subscriptions.push(await transport.serve(hostSubject(this.app, this.hostId), handler));
    this.subscriptions.push(
      await transport.serve(activationSubject(this.app), handler, { queue: activationQueue(this.app) }),
    );
  }

  /** Stops taking requests. */
  async close(): Promise<void> {
    for (const s of this.subscriptions.splice(0)) await s.unsubscribe();
  }

  private run(
    request: ControlRequest,
  ): Promise<ProcessInfo | ProcessInfo[] | ScaleDownOutcome[] | ProcessInspection | undefined> {
    const ops = this.operations;
    switch (request.op) {
      case 'create':
        return ops.create(request.pid, request.processClass ?? '', {
          incarnation: request.incarnation,
          generated: request.generated === true,
        });
      case 'activate':
        return ops.activate(request.pid, { forwarded: request.forwarded === true });
      case 'swap':
        return ops.swapOut(request.pid);
      case 'upgrade':
        if (request.version === undefined) throw new InvalidArgumentError('an upgrade request needs the version');
        return ops.upgrade(request.pid, request.version);
      case 'refresh-code':
        return ops.refreshCode().then(() => undefined);
      case 'checkpoint':
        return ops.checkpoint(request.pid);
      case 'delete':
        return ops.delete(request.pid).then(() => undefined);
      case 'describe':
        return Promise.resolve(ops.describe());
      case 'scale-down':
        return this.downScaling ? this.downScaling.scaleDown() : Promise.resolve([]);
      case 'ping':
        return Promise.resolve(undefined);
      case 'inspect':
        return ops.inspect(request.pid, request.maxChars);
    }
  }
}
