import { faultLog, installLastResortHandlers, type FaultLog, type ProcessEvents } from '@praas/framework/internal';
import { claimProcessFault } from '../process/call-scope';

/**
 * Installs the last-resort handlers of a runtime host OS process (DESIGN §6): a host outlives a
 * forgotten catch, logging the error and serving its other processes; one raised by a process's
 * code goes to that process, which restarts from its last committed state. Every entry point of a
 * host (`host-main.js`, `praas-framework host`) installs them through this function, so that none
 * can leave the claim out and take a user's fault for a bug of the host.
 * @param target what the handlers attach to (default `process`; a stand-in in tests).
 * @param log where a fault of the host's own goes (default: a line on stderr, `praas host: ...`).
 * @returns a function that removes the handlers again.
 * @example
 * ```ts
 * installHostFaultHandlers();
 * void runHost({ argv: process.argv.slice(2) }).then((code) => process.exit(code));
 * ```
 */
export function installHostFaultHandlers(
  target: ProcessEvents = process,
  log: FaultLog = faultLog('host'),
): () => void {
  return installLastResortHandlers(log, target, claimProcessFault);
}
