import { AsyncLocalStorage } from 'node:async_hooks';

/** The process a piece of user code runs for, carried through its timers and promises. */
export interface CallScope {
  readonly app: string;
  readonly pid: string;
  /** Hands an error the user's code raised but nobody handled to its process; false when it takes none. */
  readonly fault: (error: unknown, origin: FaultOrigin) => boolean;
}

/** How an unhandled error of user code surfaced. */
export type FaultOrigin = 'unhandledRejection' | 'uncaughtException';

const scopes = new AsyncLocalStorage<CallScope>();

/** Runs `task` (a call of a user's function) so that whatever it starts is attributed to `scope`. */
export function runInScope<T>(scope: CallScope, task: () => T): T {
  return scopes.run(scope, task);
}

/**
 * Attributes an unhandled error to the process whose user code raised it (DESIGN §6, fault
 * containment): a rejection nobody awaited or a throw in a timer started by a function carries
 * its call's async context, so the handler sees which process it came from. That process is
 * recycled from its last committed state; the host and its other processes keep running.
 * @returns true when the error came from a process's code and was handed to it; false when it is
 * the host's own (the caller logs it as a bug).
 * @example
 * ```ts
 * installLastResortHandlers(faultLog('host'), process, claimProcessFault);
 * ```
 */
export function claimProcessFault(error: unknown, origin: FaultOrigin): boolean {
  const scope = scopes.getStore();
  return scope ? scope.fault(error, origin) : false;
}

/** What the log says when a process's code raised an error nobody handled. */
export function faultMessage(pid: string, origin: FaultOrigin): string {
  const what = origin === 'unhandledRejection' ? 'a promise rejection nobody handled' : 'an uncaught exception';
  return `the code of process '${pid}' raised ${what} (a bug in the function: catch it there)`;
}
