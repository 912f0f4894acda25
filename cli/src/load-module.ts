import { existsSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { InvalidArgumentError, isProcessClass, processDefinitionOf, type Constructor } from '@praas/framework/internal';

export interface LoadedModule {
  readonly path: string;
  readonly exports: Record<string, unknown>;
  /** Exported `@Process` classes, validated. */
  readonly processes: Constructor[];
}

/** Drops the modules loaded from `dir` (not its node_modules) from Node's cache, so the next load sees new code. */
export function forgetModules(dir: string): void {
  const prefix = dir.endsWith(sep) ? dir : dir + sep;
  for (const key of Object.keys(require.cache))
    if (key.startsWith(prefix) && !key.includes(`${sep}node_modules${sep}`)) delete require.cache[key];
}

/** Loads a compiled module of the user's and finds its `@Process` classes. */
export function loadProcessModule(modulePath: string): LoadedModule {
  const path = resolve(modulePath);
  if (!existsSync(path) && !existsSync(`${path}.js`)) {
    throw new InvalidArgumentError(
      `module ${modulePath} does not exist (give the compiled .js file, e.g. dist/index.js)`,
    );
  }
  // The user's module is only known at run time, so it is loaded with require, not import.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exports = require(path) as Record<string, unknown>;
  const processes = Object.values(exports).filter(isProcessClass);
  if (processes.length === 0) {
    throw new InvalidArgumentError(
      `module ${modulePath} exports no @Process class; export the classes your application runs`,
    );
  }
  processes.forEach((p) => processDefinitionOf(p));
  return { path, exports, processes };
}

/** Loads a package of the user's project (e.g. `@praas/embedded`), looking from the project first. */
export function loadPeer<T>(name: string): T {
  let resolved: string;
  try {
    resolved = require.resolve(name, { paths: [process.cwd(), __dirname] });
  } catch {
    throw new InvalidArgumentError(
      `this command needs the package ${name}; install it in your project (npm i ${name})`,
    );
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(resolved) as T;
}
