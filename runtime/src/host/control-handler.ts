import {
  activationQueue,
  activationSubject,
  decodeControl,
  encodeWire,
  hostSubject,
  toWireError,
  type ControlRequest,
  type Logger,
  type ProcessInfo,
  type ReplyEnvelope,
  type Subscription,
  type Transport,
} from '@praas/framework';

/** What a host does for the control requests it takes. */
export interface HostOperations {
  create(pid: string, processClass: string, incarnation?: string): Promise<ProcessInfo>;
  activate(pid: string, options: { forwarded?: boolean }): Promise<ProcessInfo>;
  swapOut(pid: string): Promise<ProcessInfo>;
  checkpoint(pid: string): Promise<ProcessInfo>;
  delete(pid: string): Promise<void>;
  /** The processes hosted here. */
  describe(): ProcessInfo[];
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
  ) {}

  /** Answers one encoded request with an encoded reply; never rejects. */
  async handle(bytes: Uint8Array): Promise<Uint8Array> {
    let reply: ReplyEnvelope;
    let request: ControlRequest | undefined;
    try {
      request = decodeControl(bytes);
      const result = await this.run(request);
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

  private run(request: ControlRequest): Promise<ProcessInfo | ProcessInfo[] | undefined> {
    const ops = this.operations;
    switch (request.op) {
      case 'create':
        return ops.create(request.pid, request.processClass ?? '', request.incarnation);
      case 'activate':
        return ops.activate(request.pid, { forwarded: request.forwarded === true });
      case 'swap':
        return ops.swapOut(request.pid);
      case 'checkpoint':
        return ops.checkpoint(request.pid);
      case 'delete':
        return ops.delete(request.pid).then(() => undefined);
      case 'describe':
        return Promise.resolve(ops.describe());
    }
  }
}
