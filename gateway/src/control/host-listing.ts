import type { HostInfo, HostRecord, Registry } from '@praas/framework/internal';
import type { RegistryLookups } from './registry-lookups';

/** A heartbeat record as {@link HostInfo}; a budget of 0 (none) is left out, as proto3 could not tell it from absent. */
export function hostInfo(record: HostRecord): HostInfo {
  return {
    id: record.id,
    startedAt: record.startedAt,
    heartbeatAt: record.heartbeatAt,
    activeProcesses: record.activeProcesses,
    processClasses: [...(record.processClasses ?? [])],
    ...(record.memoryBytes ? { memoryBytes: record.memoryBytes } : {}),
    ...(record.memoryBudgetBytes ? { memoryBudgetBytes: record.memoryBudgetBytes } : {}),
    ...(record.dataAddress ? { dataAddress: record.dataAddress } : {}),
  };
}

/**
 * The runtime hosts of an application that sent a heartbeat lately, by id.
 * @throws ApplicationNotFoundError, InvalidNameError for an unknown or invalid application.
 */
export async function listHosts(registry: Registry, lookups: RegistryLookups, app: string): Promise<HostInfo[]> {
  await lookups.app(app);
  return (await registry.listHosts(app)).map(hostInfo).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
