import { InvalidArgumentError, isProcessClass, type Constructor } from '@praas/framework/internal';

/**
 * Loads a compiled CommonJS module and returns its exported `@Process` classes (a host's local
 * module, or the entry module of a deployed bundle).
 * @param label what the module is, for messages (default `PRAAS_MODULE '<path>'`).
 * @throws InvalidArgumentError when the module cannot be loaded or exports no process class.
 */
export function loadProcessClasses(modulePath: string, label = `PRAAS_MODULE '${modulePath}'`): Constructor[] {
  let exported: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module is only known at run time
    exported = require(modulePath);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new InvalidArgumentError(`cannot load ${label}: ${reason}`, { modulePath });
  }
  const classes = Object.values((exported ?? {}) as Record<string, unknown>).filter(isProcessClass);
  if (classes.length === 0) {
    throw new InvalidArgumentError(`${label} exports no class decorated with @Process`, { modulePath });
  }
  return classes;
}
