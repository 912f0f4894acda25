import { HostFailedError, NoRespondersError } from '../errors';
import type { Registry } from '../registry/registry';
import { encodeWire, type ControlRequest } from '../wire/envelope';
import { hostSubject } from '../wire/subjects';
import type { Transport } from './transport';

/** When to start watching a request's host, and how often to ask it (ms). */
export interface HostWatchTiming {
  /** A request answered sooner costs nothing: no registry read, no probe (default 250). */
  readonly afterMs?: number;
  /** Between two probes of the host (default 250). */
  readonly everyMs?: number;
}

/** One watched request: `failed` resolves with HostFailedError when its host is known dead, else never. */
export interface HostWatchHandle {
  readonly failed: Promise<HostFailedError>;
  stop(): void;
}

/**
 * Tells a request in flight that the host holding its process died (DESIGN §5, issue 15 problem 4).
 * On NATS a request to a dead host's process gets no answer until its deadline: nats-server does
 * not tell the requester. It does know at once when the host's connection closed, and answers a
 * request to the host's own subject with "no responders". So a request still open after `afterMs`
 * looks up the host holding its process and pings it every `everyMs`; "no responders" fails the
 * request with HostFailedError naming the host. A host that answers, or a probe that times out
 * (a busy host), counts as alive.
 */
export class HostWatch {
  private readonly afterMs: number;
  private readonly everyMs: number;

  constructor(
    private readonly transport: Transport,
    private readonly registry: Registry,
    private readonly app: string,
    timing: HostWatchTiming = {},
  ) {
    this.afterMs = timing.afterMs ?? 250;
    this.everyMs = timing.everyMs ?? 250;
  }

  /** Watches the host of `pid` until `stop`. */
  watch(pid: string): HostWatchHandle {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let fail!: (error: HostFailedError) => void;
    const failed = new Promise<HostFailedError>((resolve) => (fail = resolve));
    const tick = (): void => {
      timer = undefined;
      void this.probe(pid).then(
        (host) => {
          if (stopped) return;
          if (host !== undefined) fail(new HostFailedError(this.app, pid, host));
          else timer = setTimeout(tick, this.everyMs);
        },
        () => {
          // The registry or NATS is away: nothing is known about the host; the request's own deadline still holds.
          if (!stopped) timer = setTimeout(tick, this.everyMs);
        },
      );
    };
    timer = setTimeout(tick, this.afterMs);
    return {
      failed,
      stop: () => {
        stopped = true;
        clearTimeout(timer);
      },
    };
  }

  /** The host holding `pid` when nats-server says it is gone; undefined when it answers or nothing is known. */
  private async probe(pid: string): Promise<string | undefined> {
    const record = await this.registry.getProcess(this.app, pid);
    const host = record?.status === 'active' || record?.status === 'swapping-out' ? record.host : undefined;
    if (host === undefined) return undefined;
    const ping: ControlRequest = { op: 'ping', app: this.app, pid };
    try {
      await this.transport.request(hostSubject(this.app, host), encodeWire(ping), { timeoutMs: 2_000 });
      return undefined;
    } catch (e) {
      return e instanceof NoRespondersError ? host : undefined;
    }
  }
}
