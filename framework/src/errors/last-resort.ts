import type { FaultLog } from './fault-log';

/** What the handlers attach to: `process` itself, or a stand-in in tests. */
export interface ProcessEvents {
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
  on(event: 'uncaughtException', listener: (error: Error, origin: string) => void): unknown;
  off(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
  off(event: 'uncaughtException', listener: (error: Error, origin: string) => void): unknown;
}

/**
 * Installs the last-resort handlers of a long-running service (a gateway, a runtime host): an
 * unhandled promise rejection or an uncaught exception is logged with its stack, and the process
 * keeps serving. Without them Node.js exits on the first one, and with a gateway or a host every
 * request and every cloud process on it goes down for one forgotten `catch`. Each one reached here
 * is a bug to fix where it was raised; the log line says so. `claim`, when given, sees each one
 * first: it returns true for one it handled itself (a runtime host hands the faults of its users'
 * code to the process that raised them).
 * @returns a function that removes the handlers again.
 * @example
 * ```ts
 * installLastResortHandlers(faultLog('gateway'));
 * ```
 */
export function installLastResortHandlers(
  log: FaultLog,
  target: ProcessEvents = process,
  claim?: (error: unknown, origin: 'unhandledRejection' | 'uncaughtException') => boolean,
): () => void {
  const onRejection = (reason: unknown): void => {
    if (claim?.(reason, 'unhandledRejection')) return;
    log('unhandled promise rejection (a bug: it should have been handled where it was raised); still serving', reason);
  };
  const onException = (error: Error, origin: string): void => {
    if (claim?.(error, 'uncaughtException')) return;
    log(`uncaught exception (${origin}; a bug: it should have been handled where it was raised); still serving`, error);
  };
  target.on('unhandledRejection', onRejection);
  target.on('uncaughtException', onException);
  return () => {
    target.off('unhandledRejection', onRejection);
    target.off('uncaughtException', onException);
  };
}
