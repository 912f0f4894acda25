import type { ProcessInfo } from '../api/control-plane';
import { processSubject } from '../wire/subjects';
import type { ProcessRecord } from './registry';

/**
 * A process record as clients see it, with its data-plane address. The record's host is shown
 * only while the process is active: a record also names the host that is swapping it in or out,
 * and a claim of a host that died mid-swap is no place the process lives.
 */
export function processInfo(record: ProcessRecord): ProcessInfo {
  return {
    app: record.app,
    pid: record.pid,
    processClass: record.processClass,
    status: record.status,
    address: processSubject(record.app, record.pid),
    generation: record.generation,
    ...(record.status === 'active' && record.host !== undefined ? { host: record.host } : {}),
    ...(record.version === undefined ? {} : { version: record.version }),
    ...(record.stateVersion === undefined ? {} : { stateVersion: record.stateVersion }),
    ...(record.upgradeError === undefined ? {} : { upgradeError: record.upgradeError }),
  };
}
