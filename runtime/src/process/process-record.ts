import type { ProcessRecord, ProcessStatus } from '@praas/framework/internal';
import type { ProcessControllerDeps } from './process-controller';

/** The registry record of a process in `status` at `generation`; it names its host while it is held there. */
export function processRecord(
  deps: Pick<
    ProcessControllerDeps,
    'app' | 'pid' | 'definition' | 'hostId' | 'codeVersion' | 'incarnation' | 'upgradeError'
  >,
  status: ProcessStatus,
  generation: number,
): ProcessRecord {
  return {
    app: deps.app,
    pid: deps.pid,
    processClass: deps.definition.name,
    status,
    generation,
    // With deployed code the record says which state version the code keeps (`praas-framework versions`).
    ...(deps.codeVersion === undefined ? {} : { version: deps.codeVersion, stateVersion: deps.definition.version }),
    ...(deps.upgradeError === undefined ? {} : { upgradeError: deps.upgradeError }),
    ...(deps.incarnation === undefined ? {} : { incarnation: deps.incarnation }),
    updatedAt: Date.now(),
    ...(status === 'active' || status === 'swapping-out' ? { host: deps.hostId } : {}),
  };
}
