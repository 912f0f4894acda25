import {
  LoopHealth,
  PraasError,
  silentLogger,
  type ErrorCode,
  type HostRecord,
  type Logger,
  type Registry,
} from '@praas/framework';
import { HOST_STALE_MS } from '../placement/least-loaded';

export interface SwapDecision {
  readonly app: string;
  readonly pid: string;
  readonly reason: 'idle' | 'memory';
}

/**
 * Which processes to swap out (PraaS §5, down-scaling): every process idle longer than its class's
 * idle timeout, and, on a host above its memory budget, the least recently used idle process.
 * Busy processes are never chosen. Pure: the caller carries the decisions out.
 */
export function decideSwaps(hosts: readonly HostRecord[], now = Date.now(), staleMs = HOST_STALE_MS): SwapDecision[] {
  const decisions: SwapDecision[] = [];
  for (const host of hosts) {
    if (now - host.heartbeatAt > staleMs) continue;
    const processes = host.processes ?? [];
    const chosen = new Set<string>();
    for (const p of processes) {
      if (p.busy === 0 && p.idleTimeoutMs > 0 && now - p.lastActivity > p.idleTimeoutMs) {
        decisions.push({ app: host.app, pid: p.pid, reason: 'idle' });
        chosen.add(p.pid);
      }
    }
    const budget = host.memoryBudgetBytes ?? 0;
    if (budget > 0 && (host.memoryBytes ?? 0) > budget) {
      const lru = processes
        .filter((p) => p.busy === 0 && !chosen.has(p.pid))
        .sort((a, b) => a.lastActivity - b.lastActivity)[0];
      if (lru) decisions.push({ app: host.app, pid: lru.pid, reason: 'memory' });
    }
  }
  return decisions;
}

export interface DownScalingOptions {
  readonly registry: Registry;
  /** Carries out a swap (the control plane's swapProcess). */
  readonly swap: (app: string, pid: string) => Promise<unknown>;
  /** How often to look (default 1 000 ms). */
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

/** Why a swap the policy asked for may fail in the normal course: the process got busy, or is gone already. */
const EXPECTED_SWAP_FAILURES: ReadonlySet<string> = new Set<ErrorCode>([
  'PROCESS_UNAVAILABLE',
  'PROCESS_NOT_FOUND',
  'APPLICATION_NOT_FOUND',
]);

/**
 * Runs `decideSwaps` periodically over every application's hosts. Stateless like the rest of the
 * gateway: several gateways may run it; a duplicate swap of a swapped process is a no-op.
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

  /** One pass: decide and swap. Returns what it decided. */
  async tick(now = Date.now()): Promise<SwapDecision[]> {
    const hosts: HostRecord[] = [];
    for (const app of await this.options.registry.listApps())
      hosts.push(...(await this.options.registry.listHosts(app.name)));
    const decisions = decideSwaps(hosts, now, this.options.hostStaleMs ?? HOST_STALE_MS);
    await Promise.all(
      decisions.map(async (d) => {
        const started = Date.now();
        try {
          await this.options.swap(d.app, d.pid);
          this.options.onSwap?.(d, 'swapped', Date.now() - started);
        } catch (e) {
          // The process got busy, or is already gone; the next pass looks again.
          const expected = e instanceof PraasError && EXPECTED_SWAP_FAILURES.has(e.code);
          const fields = { app: d.app, pid: d.pid, reason: d.reason, err: e };
          if (expected) this.logger.debug('a down-scaling swap did not happen; the next pass looks again', fields);
          else this.logger.warn('a down-scaling swap failed; the next pass looks again', fields);
          this.options.onSwap?.(d, 'failed', Date.now() - started);
        }
      }),
    );
    return decisions;
  }
}
