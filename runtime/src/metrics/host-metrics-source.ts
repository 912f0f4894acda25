import type { HostMetricsSource } from './host-metrics';
import type { ProcessController } from '../process/process-controller';

/** The gauges' view of a host: its processes, and its direct data plane when it has one. */
export function hostMetricsSource(
  processes: () => readonly ProcessController[],
  directConnections: () => number,
): HostMetricsSource {
  const sum = (get: (c: ProcessController) => number): number => processes().reduce((n, c) => n + get(c), 0);
  return {
    processesByStatus: () => {
      const counts = new Map<string, number>([
        ['active', 0],
        ['swapping-in', 0],
        ['swapping-out', 0],
      ]);
      for (const c of processes()) counts.set(c.status, (counts.get(c.status) ?? 0) + 1);
      return counts;
    },
    mailboxDepth: () => sum((c) => c.depths.mailbox),
    backupEntriesHeld: () => sum((c) => c.depths.backupHeld),
    triggerMessagesPending: () => sum((c) => c.depths.triggers),
    directConnections,
  };
}
