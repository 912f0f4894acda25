import {
  FunctionNotFoundError,
  InvalidArgumentError,
  ProcessClassNotFoundError,
  validateName,
  type AppRecord,
} from '@praas/framework/internal';
import type { KnownProcessClass } from '../provisioning/host-provider';

/** Function names by process class, as `AppRecord.functions` keeps them. */
export type FunctionsByClass = Readonly<Record<string, readonly string[]>>;

/**
 * The functions of `classes` among what the hosts or a bundle's manifest report; classes reported
 * without functions are left out (they count as "may have any function").
 */
export function functionsOf(known: readonly KnownProcessClass[], classes: readonly string[]): FunctionsByClass {
  const out: Record<string, readonly string[]> = {};
  for (const k of known) if (k.functions && classes.includes(k.name)) out[k.name] = [...k.functions];
  return out;
}

/** The classes of an application record with the functions it keeps of them, as {@link functionsOf} takes them. */
export function recordedClasses(app: AppRecord | undefined): KnownProcessClass[] {
  if (!app) return [];
  return app.processClasses.map((name) => {
    const functions = app.functions?.[name];
    return functions === undefined ? { name } : { name, functions };
  });
}

/** True when `fn` is known to be a function of `processClass`, or the class's functions are not known. */
function mayHave(app: AppRecord, processClass: string, fn: string): boolean {
  const functions = app.functions?.[processClass];
  return functions === undefined || functions.includes(fn);
}

/**
 * The process class an invocation without a pid goes to (PraaS's FaaS-style invoke): the class
 * the caller named, else the only class of the application that has the function.
 * @throws ProcessClassNotFoundError when the named class is not the application's;
 *   FunctionNotFoundError when the named class, or every class, lacks the function;
 *   InvalidArgumentError when several classes have it and none was named: which one runs it is
 *   the caller's choice, never a coin toss between different code.
 */
export function classForInvoke(app: AppRecord, fn: string, requested: string | undefined): string {
  if (requested !== undefined) {
    validateName('process class', requested);
    if (!app.processClasses.includes(requested))
      throw new ProcessClassNotFoundError(app.name, requested, app.processClasses);
    if (!mayHave(app, requested, fn)) throw new FunctionNotFoundError(requested, fn, app.functions![requested]!);
    return requested;
  }
  const candidates = app.processClasses.filter((c) => mayHave(app, c, fn));
  if (candidates.length === 1) return candidates[0]!;
  if (candidates.length === 0) {
    if (app.processClasses.length === 1) {
      const only = app.processClasses[0]!;
      throw new FunctionNotFoundError(only, fn, app.functions?.[only] ?? []);
    }
    const all = app.processClasses.flatMap((c) => (app.functions?.[c] ?? []).map((f) => `${c}.${f}`));
    throw new FunctionNotFoundError({ app: app.name }, fn, all);
  }
  throw new InvalidArgumentError(
    `several process classes of application '${app.name}' have a function '${fn}' (${candidates.join(', ')}); ` +
      `say which one runs it: the class parameter (REST ?class=, gRPC process_class, CLI --class), or a pid`,
    { app: app.name, function: fn, candidates },
  );
}
