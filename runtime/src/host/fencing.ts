import type { Logger, Registry } from '@praas/framework/internal';
import type { ProcessTable } from './process-table';

export interface FencingOptions {
  readonly app: string;
  readonly hostId: string;
  readonly registry: Registry;
  readonly table: ProcessTable;
  readonly logger: Logger;
}

/**
 * Fencing: a process the registry now places on another host was taken over while this host was
 * cut off (e.g. from NATS). The copy here is stale; it is dropped without a snapshot, so that
 * only the new holder serves it. The heartbeat runs this after each beat.
 */
export class Fencing {
  constructor(private readonly options: FencingOptions) {}

  /** Drops the stale copies; returns their pids. */
  async fence(): Promise<string[]> {
    const { app, hostId, registry, table, logger } = this.options;
    if (table.size === 0) return [];
    const records = new Map((await registry.listProcesses(app)).map((r) => [r.pid, r]));
    const dropped: string[] = [];
    for (const controller of table.list()) {
      const { pid } = controller;
      const record = records.get(pid);
      if (controller.status !== 'active' || !record || record.host === undefined || record.host === hostId) continue;
      await table.locked(pid, async () => {
        if (table.local(pid) !== controller) return;
        await controller.stop();
        table.remove(controller);
        dropped.push(pid);
        // Work done here since the last checkpoint is lost: the new holder started from the last snapshot.
        logger.warn('dropped a process that another host took over while this one was cut off', {
          pid,
          holder: record.host,
        });
      });
    }
    return dropped;
  }
}
