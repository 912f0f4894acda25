import { LoopHealth, type HostRecord, type Logger, type Registry } from '@praas/framework/internal';
import type { CodeVersions } from './code-versions';
import type { Fencing } from './fencing';
import type { ProcessTable } from './process-table';

export interface HeartbeatOptions {
  readonly app: string;
  readonly hostId: string;
  readonly registry: Registry;
  /** The processes whose number the record reports. */
  readonly table: Pick<ProcessTable, 'size'>;
  /** Looked at before each periodic beat; its classes and code error go into the record. */
  readonly code: Pick<CodeVersions, 'refresh' | 'processClasses' | 'functions' | 'codeError'>;
  /** Run after each look for newer code: unloads code versions no process here runs any more. */
  readonly unloadUnused?: () => Promise<unknown>;
  /** Run after each periodic beat that was written. */
  readonly fencing: Pick<Fencing, 'fence'>;
  /** Interval of heartbeats (default 2 000 ms). */
  readonly intervalMs?: number | undefined;
  /**
   * A beat written this long or longer after the previous written one fences (default 5 000 ms,
   * half the default time after which the others count a silent host as dead). Between beats in
   * step nothing can have been taken over, so fencing (which reads every process record of the
   * application) runs only after a gap: failed beats (cut off from NATS) or a paused OS process.
   */
  readonly fenceAfterGapMs?: number | undefined;
  /** Reported in the record (bytes); the host's own down-scaling works against it. */
  readonly memoryBudgetBytes?: number | undefined;
  readonly logger: Logger;
  /** The host's direct data-plane address, advertised in the record (none on the NATS data plane). */
  readonly dataAddress?: () => string | undefined;
  /** Human-readable lines (the host's `log` option). */
  readonly log?: ((line: string) => void) | undefined;
}

/**
 * The host's heartbeat (DESIGN §5): its record in the registry (liveness, load, memory, a code
 * error), written at start and then at every interval. The record has a constant size, whatever
 * the host holds (DESIGN §6, scale rules): counts, never a list of processes. Each periodic beat
 * first looks for newer code and, when it was written after a gap (see `fenceAfterGapMs`), fences
 * processes taken over elsewhere. A failed beat is logged and the next one tries again; the host
 * counts as dead for the others only once its record is stale. While beats keep failing (NATS
 * restarting) only the first failure is a `warn` record (the others `debug`), and the recovery is
 * logged (`info`).
 */
export class Heartbeat {
  private readonly startedAt = Date.now();
  private timer: NodeJS.Timeout | undefined;
  /** Beats in flight, which `stop` waits for so that none writes the record after it was removed. */
  private readonly running = new Set<Promise<void>>();
  /** Whether beats (with their fencing) fail: the first failure and the recovery are logged. */
  private readonly health: LoopHealth;
  /** When the last beat was written (ms since epoch). */
  private writtenAt: number | undefined;

  constructor(private readonly options: HeartbeatOptions) {
    this.health = new LoopHealth('heartbeat', options.logger);
  }

  /** The record a beat writes now. */
  record(): HostRecord {
    const { app, hostId, table, code, memoryBudgetBytes } = this.options;
    const codeError = code.codeError;
    const dataAddress = this.options.dataAddress?.();
    return {
      id: hostId,
      app,
      startedAt: this.startedAt,
      heartbeatAt: Date.now(),
      activeProcesses: table.size,
      processClasses: code.processClasses,
      functions: code.functions,
      memoryBytes: process.memoryUsage().rss,
      ...(memoryBudgetBytes === undefined ? {} : { memoryBudgetBytes }),
      ...(codeError ? { codeError } : {}),
      ...(dataAddress === undefined ? {} : { dataAddress }),
    };
  }

  /** Writes the record now. */
  async beat(): Promise<void> {
    await this.options.registry.putHost(this.record());
    this.writtenAt = Date.now();
  }

  /** Writes the record, then keeps beating at the interval until `stop`. */
  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => {
      // Beats may overlap: one held up (e.g. fencing waits for a swap-out) must not delay the next record.
      const beat = this.periodic();
      this.running.add(beat);
      void beat.then(() => this.running.delete(beat));
    }, this.options.intervalMs ?? 2_000);
    this.timer.unref();
  }

  /** Stops beating; resolves once no beat is in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    while (this.running.size > 0) await Promise.all(this.running);
  }

  /** Removes the host's record (it stops); a failure is logged: the record then goes stale. */
  async deregister(): Promise<void> {
    try {
      await this.options.registry.deleteHost(this.options.app, this.options.hostId);
    } catch (e) {
      this.options.logger.warn('cannot remove the host record; other hosts see it as dead once it is stale', {
        err: e,
      });
    }
  }

  /** One periodic beat: newer code, the record, fencing. Never rejects: each failure is logged, and retried next time. */
  private async periodic(): Promise<void> {
    const { code, fencing, logger, log, hostId } = this.options;
    try {
      await code.refresh();
    } catch (e) {
      log?.(`praas host ${hostId}: cannot load the newest code: ${e instanceof Error ? e.message : String(e)}`);
      logger.warn('cannot look for newer code; the next heartbeat looks again', { err: e });
    }
    try {
      await this.options.unloadUnused?.();
    } catch (e) {
      logger.warn('cannot unload unused code versions; the next heartbeat tries again', { err: e });
    }
    const previous = this.writtenAt;
    try {
      await this.beat();
    } catch (e) {
      this.health.failed(e);
      return;
    }
    this.health.succeeded();
    if (previous !== undefined && this.writtenAt! - previous < (this.options.fenceAfterGapMs ?? 5_000)) return;
    try {
      await fencing.fence();
    } catch (e) {
      logger.warn('fencing failed; the next heartbeat tries again', { err: e });
    }
  }
}
