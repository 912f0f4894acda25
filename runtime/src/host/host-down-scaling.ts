import { toWireError, type ScaleDownOutcome } from '@praas/framework/internal';
import type { ProcessTable } from './process-table';

/** The data-plane activity of one active process, as the host sees it. */
export interface ProcessActivity {
  readonly pid: string;
  /** Last data-plane request (ms since epoch). */
  readonly lastActivity: number;
  /** Calls running or waiting to run. */
  readonly busy: number;
  /** The class's idle timeout; 0 = never swapped for idleness. */
  readonly idleTimeoutMs: number;
}

export interface SwapDecision {
  readonly pid: string;
  readonly reason: 'idle' | 'memory';
}

/** What a host's memory looks like against its budget. */
export interface MemoryUse {
  readonly usedBytes: number;
  /** 0: no budget. */
  readonly budgetBytes: number;
}

/**
 * Which of a host's processes to swap out (PraaS §5, down-scaling): every process idle longer than
 * its class's idle timeout, and, while the host is above its memory budget, the least recently
 * used idle process. Busy processes are never chosen. Pure: the caller carries the decisions out.
 * It runs on the host, where the activity is (DESIGN §6, scale rules): no list of processes
 * travels to the gateway.
 */
export function decideSwaps(
  processes: readonly ProcessActivity[],
  memory: MemoryUse,
  now = Date.now(),
): SwapDecision[] {
  const decisions: SwapDecision[] = [];
  const chosen = new Set<string>();
  let lru: ProcessActivity | undefined;
  for (const p of processes) {
    if (p.busy !== 0) continue;
    if (p.idleTimeoutMs > 0 && now - p.lastActivity > p.idleTimeoutMs) {
      decisions.push({ pid: p.pid, reason: 'idle' });
      chosen.add(p.pid);
    } else if (!lru || p.lastActivity < lru.lastActivity) lru = p;
  }
  if (memory.budgetBytes > 0 && memory.usedBytes > memory.budgetBytes && lru)
    decisions.push({ pid: lru.pid, reason: 'memory' });
  return decisions;
}

export interface HostDownScalingOptions {
  readonly table: Pick<ProcessTable, 'list'>;
  /** Swaps one process out (the life cycle's swapOut). */
  readonly swapOut: (pid: string) => Promise<unknown>;
  /** Above this resident memory (bytes) the least recently used idle process goes (0 or absent: no budget). */
  readonly memoryBudgetBytes?: number | undefined;
  /** Resident memory now (default: this OS process's RSS). */
  readonly memoryBytes?: () => number;
}

/**
 * The host's side of down-scaling: at each `scale-down` request of the gateway's policy (which
 * sets how often, and whether at all) it decides from its own processes' activity and memory, and
 * swaps out what it decided, side by side. A swap that fails is reported, never thrown: the
 * policy's next pass looks again.
 */
export class HostDownScaling {
  constructor(private readonly options: HostDownScalingOptions) {}

  /** The activity of the active processes hosted here. */
  activity(): ProcessActivity[] {
    return this.options.table
      .list()
      .filter((c) => c.status === 'active')
      .map((c) => ({
        pid: c.pid,
        lastActivity: c.lastActivity,
        busy: c.busy,
        idleTimeoutMs: c.definition.idleTimeoutMs,
      }));
  }

  /** Decides and swaps; answers what it did for each process it chose. */
  async scaleDown(now = Date.now()): Promise<ScaleDownOutcome[]> {
    const memory = {
      usedBytes: (this.options.memoryBytes ?? (() => process.memoryUsage().rss))(),
      budgetBytes: this.options.memoryBudgetBytes ?? 0,
    };
    return Promise.all(
      decideSwaps(this.activity(), memory, now).map(async ({ pid, reason }): Promise<ScaleDownOutcome> => {
        const started = Date.now();
        try {
          await this.options.swapOut(pid);
          return { pid, reason, outcome: 'swapped', durationMs: Date.now() - started };
        } catch (e) {
          return { pid, reason, outcome: 'failed', durationMs: Date.now() - started, error: toWireError(e) };
        }
      }),
    );
  }
}
