import {
  decodeReply,
  decodeWire,
  encodeWire,
  fromWireError,
  hostSubject,
  withTrace,
  type ControlRequest,
  type Transport,
} from '@praas/framework/internal';

/**
 * Control requests to one runtime host (create, swap, delete a process) over the transport: the
 * request on the host's control subject, its answer decoded, a refusal rebuilt as the error the
 * host raised. Which host gets a request is placement's choice (`HostPlacement`). Before a process
 * is created or activated, the application's backup stream is made to exist (a gateway may create
 * streams; the NATS user of an application's hosts may not).
 */
export class HostControl {
  constructor(
    private readonly transport: Transport,
    /** How long a host may take to answer (a swap of a large state takes a while). */
    private readonly timeoutMs: number,
  ) {}

  /**
   * Sends `request` to `host` of its application and returns the decoded answer. The request
   * carries the active trace context: what the host does for it (a swap-out) joins the trace.
   * @throws NoRespondersError when nobody serves the host's subject; the host's error otherwise.
   */
  async request<T>(host: string, request: ControlRequest): Promise<T> {
    // The application's backup stream exists before its processes do: its hosts may not create it.
    if (request.op === 'create' || request.op === 'activate') await this.transport.backup.prepare?.(request.app);
    const reply = decodeReply(
      await this.transport.request(hostSubject(request.app, host), encodeWire(withTrace(request)), {
        timeoutMs: this.timeoutMs,
      }),
    );
    if (!reply.ok) throw fromWireError(reply.error);
    return (reply.data === undefined ? undefined : decodeWire<object>(reply.data, 'control reply')) as T;
  }
}
