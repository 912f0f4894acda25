import {
  decodeReply,
  decodeWire,
  encodeWire,
  fromWireError,
  hostSubject,
  type ControlOp,
  type ProcessInfo,
  type Transport,
} from '@praas/framework/internal';

/**
 * Sends control requests (create, activate, swap, describe) to one named runtime host, the way the
 * gateway does, so a test can decide which host a process lives on.
 */
export class HostControl {
  constructor(
    private readonly transport: Transport,
    readonly app: string,
    private readonly timeoutMs = 60_000,
  ) {}

  create(hostId: string, pid: string, processClass: string): Promise<ProcessInfo> {
    return this.request<ProcessInfo>(hostId, 'create', pid, processClass);
  }
  activate(hostId: string, pid: string): Promise<ProcessInfo> {
    return this.request<ProcessInfo>(hostId, 'activate', pid);
  }
  swap(hostId: string, pid: string): Promise<ProcessInfo> {
    return this.request<ProcessInfo>(hostId, 'swap', pid);
  }
  /** The processes the host holds right now. */
  describe(hostId: string): Promise<ProcessInfo[]> {
    return this.request<ProcessInfo[]>(hostId, 'describe', '-');
  }

  private async request<T>(hostId: string, op: ControlOp, pid: string, processClass?: string): Promise<T> {
    const request = { op, app: this.app, pid, ...(processClass === undefined ? {} : { processClass }) };
    const reply = decodeReply(
      await this.transport.request(hostSubject(this.app, hostId), encodeWire(request), { timeoutMs: this.timeoutMs }),
    );
    if (!reply.ok) throw fromWireError(reply.error);
    return (reply.data === undefined ? undefined : decodeWire<object>(reply.data, `${op} reply`)) as T;
  }
}
