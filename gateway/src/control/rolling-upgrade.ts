import {
  PraasError,
  toWireError,
  type Logger,
  type ProcessInfo,
  type ProcessRecord,
  type Registry,
  type UpgradeFailure,
  type UpgradeReport,
} from '@praas/framework/internal';
import type { HostControl } from './host-control';

/** The default number of processes a rolling upgrade moves at once. */
export const DEFAULT_UPGRADE_WAVE = 16;

/** Records read a page at a time while looking for active processes. */
const PAGE_LIMIT = 1_000;

/**
 * A rolling upgrade (DESIGN §6, "Upgrades"): every process active when it starts and running an
 * older code version is moved to `version` by its host (`upgrade` control request: swapped out once
 * its running calls finished, swapped in again at once on the new code), at most `wave` at a time.
 * What arrives for a process meanwhile waits in its backup queue. Swapped-out processes are not
 * touched: they move at their next swap-in. It pages through the process records: O(processes),
 * on a deploy only.
 */
export class RollingUpgrade {
  constructor(
    private readonly registry: Registry,
    private readonly hosts: HostControl,
    private readonly logger: Logger,
  ) {}

  /** Moves the application's active processes to `version`; what failed is in the report, never thrown. */
  async run(app: string, version: number, wave: number): Promise<UpgradeReport> {
    const failed: UpgradeFailure[] = [];
    let moved = 0;
    let skipped = 0;
    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await this.registry.listProcessPage(app, {
        status: 'active',
        limit: PAGE_LIMIT,
        ...(cursor === undefined ? {} : { cursor }),
      });
      cursor = page.cursor;
      // A process moved during the walk may come again (its record changed): once is enough.
      const due = page.processes.filter(
        (r) => !seen.has(r.pid) && r.host !== undefined && (r.version ?? version) < version,
      );
      for (const r of due) seen.add(r.pid);
      let index = 0;
      const worker = async (): Promise<void> => {
        for (let record = due[index++]; record !== undefined; record = due[index++]) {
          const outcome = await this.move(app, record, version);
          if (outcome === 'moved') moved++;
          else if (outcome === 'skipped') skipped++;
          else failed.push(outcome);
        }
      };
      await Promise.all(Array.from({ length: Math.min(Math.max(1, wave), due.length) }, worker));
    } while (cursor !== undefined);
    this.logger.info('rolling upgrade done', { app, version, moved, skipped, failed: failed.length });
    return { policy: 'rolling', moved, failed, skipped };
  }

  private async move(
    app: string,
    record: ProcessRecord,
    version: number,
  ): Promise<'moved' | 'skipped' | UpgradeFailure> {
    const { pid } = record;
    let info: ProcessInfo;
    try {
      info = await this.hosts.request<ProcessInfo>(record.host!, { op: 'upgrade', app, pid, version });
    } catch (e) {
      // The host did not move it: a gone host or process is left to its next swap-in; anything else is reported.
      if (e instanceof PraasError && (e.code === 'PROCESS_NOT_FOUND' || e.code === 'NO_RESPONDERS')) return 'skipped';
      const wire = toWireError(e);
      this.logger.warn('rolling upgrade could not move a process', { app, pid, version, err: e });
      return { pid, version, code: wire.code, message: wire.message };
    }
    if (info.upgradeError?.version === version) return { pid, ...info.upgradeError };
    if ((info.version ?? 0) >= version) return 'moved';
    return 'skipped';
  }
}
