import {
  LoopHealth,
  NoRespondersError,
  silentLogger,
  type ErrorCode,
  type Logger,
  type Registry,
  type ScaleDownOutcome,
} from '@praas/framework/internal';
import { HOST_STALE_MS } from '../placement/least-loaded';

/** One swap a host decided on for the policy. */
export interface SwapDecision {
  readonly app: string;
  readonly pid: string;
  readonly reason: 'idle' | 'memory';
}

export interface DownScalingOptions {
  readonly registry: Registry;
  /**
   * Asks one host to swap out its idle processes, and while it is above its memory budget its least
   * recently used idle one (the control plane's `scaleDownHost`); answers what the host did.
   */
  readonly scaleDown: (app: string, host: string) => Promise<readonly ScaleDownOutcome[]>;
  /** How often to ask (default 1 000 ms). */
  readonly intervalMs?: number;
  /** Hosts whose last heartbeat is older than this are left alone (default HOST_STALE_MS). */
  readonly hostStaleMs?: number;
  /** Told about each swap and its outcome (metrics, logs). */
  readonly onSwap?: (decision: SwapDecision, outcome: 'swapped' | 'failed', durationMs: number) => void;
  /**
   * Where failed passes and swaps are logged (default: nowhere). A run of failed passes (the
   * registry unreachable while NATS restarts) is one `warn` record, its recovery an `info` one.
   */
  readonly logger?: Logger;
}

/** Why a swap a host chose may fail in the normal course: the process got busy, or is gone already. */
const EXPECTED_SWAP_FAILURES: ReadonlySet<string> = new Set<ErrorCode>([
  'PROCESS_UNAVAILABLE',
  'PROCESS_NOT_FOUND',
  'APPLICATION_NOT_FOUND',
]);

/**
 * The down-scaling policy (PraaS §5): every interval it asks each live host of every application
 * to scale down. The host decides which of its processes go (idle longer than their class's idle
 * timeout; the least recently used idle one while above its memory budget), since the activity is
 * there: a pass costs O(hosts), whatever the number of processes (DESIGN §6, scale rules). The
 * policy is the knob: whether it runs, and how often. Stateless like the rest of the gateway:
 * several gateways may run it; a duplicate swap of a swapped process is a no-op.
 */
export class DownScalingPolicy {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly logger: Logger;
  private readonly health: LoopHealth;

  constructor(private readonly options: DownScalingOptions) {
    this.logger = options.logger ?? silentLogger;
    this.health = new LoopHealth('the down-scaling pass', this.logger);
  }

  /**
   * Runs a pass every interval, one at a time. A pass that fails (the registry is unreachable
   * while NATS restarts) is logged once and tried again at the next interval; it never ends the loop.
   */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.running ??= this.tick()
        .then(
          () => this.health.succeeded(),
          // The registry did not answer, most likely: the next pass looks again.
          (e: unknown) => this.health.failed(e),
        )
        .finally(() => (this.running = undefined));
    }, this.options.intervalMs ?? 1_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass: every live host scales down. Returns what the hosts decided. */
  async tick(now = Date.now()): Promise<SwapDecision[]> {
    const staleMs = this.options.hostStaleMs ?? HOST_STALE_MS;
    const hosts: { app: string; id: string }[] = [];
    for (const app of await this.options.registry.listApps())
      for (const h of await this.options.registry.listHosts(app.name))
        if (now - h.heartbeatAt <= staleMs) hosts.push({ app: app.name, id: h.id });
    const decisions = await Promise.all(hosts.map((h) => this.scaleDown(h.app, h.id)));
    return decisions.flat();
  }

  /** Asks one host; what it did is reported, a host that does not answer is logged (the next pass asks again). */
  private async scaleDown(app: string, host: string): Promise<SwapDecision[]> {
    let outcomes: readonly ScaleDownOutcome[];
    try {
      outcomes = await this.options.scaleDown(app, host);
    } catch (e) {
      // A host that just died (its heartbeat not stale yet) answers nobody: not worth a warning.
      const level = e instanceof NoRespondersError ? 'debug' : 'warn';
      this.logger[level]('a host did not scale down; the next pass asks again', { app, host, err: e });
      return [];
    }
    return outcomes.map((o) => {
      const decision: SwapDecision = { app, pid: o.pid, reason: o.reason };
      if (o.outcome === 'failed') {
        // The process got busy, or is already gone; the next pass looks again.
        const fields = { app, host, pid: o.pid, reason: o.reason, err: o.error };
        if (o.error && EXPECTED_SWAP_FAILURES.has(o.error.code))
          this.logger.debug('a down-scaling swap did not happen; the next pass looks again', fields);
        else this.logger.warn('a down-scaling swap failed; the next pass looks again', fields);
      }
      this.options.onSwap?.(decision, o.outcome, o.durationMs);
      return decision;
    });
  }
}
