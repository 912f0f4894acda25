import type { Trigger } from '../api/triggers';
import { DecoratorUsageError } from '../errors';
import type { MigrationResult, MigrationState } from '../decorators/migrate.decorator';
import {
  readFunctions,
  readMigrations,
  readProcessOptions,
  readStateFields,
  type Constructor,
  type Durability,
  type MigrationRecord,
  type TypeThunk,
} from './metadata-store';

export interface FunctionDefinition {
  /** Name callers use. */
  readonly name: string;
  /** Method on the class that implements it. */
  readonly method: string;
  readonly trigger: Trigger;
  readonly exclusive: boolean;
  readonly timeoutMs?: number;
}

export interface StateFieldDefinition {
  readonly field: string;
  /** Class to restore the field's value as; absent for plain values and built-ins. */
  readonly type?: Constructor;
}

export interface MigrationDefinition {
  /** Turns state of this version into state of the next. */
  readonly from: number;
  /** The static method that does it. */
  readonly method: string;
  /** Calls the method on the class. */
  readonly run: (state: MigrationState) => MigrationResult;
}

/** Everything the runtime needs to host a process class, validated and frozen. Dispatch reads only this. */
export interface ProcessDefinition {
  readonly name: string;
  readonly ctor: Constructor;
  readonly maxConcurrency: number;
  readonly idleTimeoutMs: number;
  readonly checkpointEveryMs?: number;
  /** When state is committed (default `checkpoint`). */
  readonly durability: Durability;
  readonly functions: ReadonlyMap<string, FunctionDefinition>;
  readonly state: readonly StateFieldDefinition[];
  /** State version snapshots of this class are written with (`@Process({ version })`, default 1). */
  readonly version: number;
  /** One migration per older version, ordered by `from`: 1 .. version-1. */
  readonly migrations: readonly MigrationDefinition[];
}

function freezeMap<K, V>(map: Map<K, V>): ReadonlyMap<K, V> {
  const refuse = (): never => {
    throw new TypeError('a ProcessDefinition is immutable');
  };
  Object.defineProperties(map, { set: { value: refuse }, delete: { value: refuse }, clear: { value: refuse } });
  return Object.freeze(map);
}

const cache = new WeakMap<Constructor, ProcessDefinition>();

function resolveThunk(className: string, field: string, thunk: TypeThunk): Constructor {
  let type: unknown;
  try {
    type = thunk();
  } catch (cause) {
    throw new DecoratorUsageError('State', className, field, `its type thunk threw: ${String(cause)}`);
  }
  if (typeof type !== 'function') {
    throw new DecoratorUsageError(
      'State',
      className,
      field,
      'its type thunk must return a class, e.g. @State(() => Model)',
    );
  }
  return type as Constructor;
}

/**
 * Checks that the class's migrations form one chain from version 1 to its version: one per older
 * version, none from its version or later.
 */
function migrationChain(ctor: Constructor, version: number): MigrationDefinition[] {
  const byVersion = new Map<number, MigrationRecord>();
  for (const m of readMigrations(ctor)) {
    if (m.from >= version) {
      throw new DecoratorUsageError(
        'Migrate',
        ctor.name,
        m.method,
        `a migration from version ${m.from} cannot exist in a class at state version ${version}; ` +
          `migrations go from 1 up to ${version - 1} (raise @Process({ version }) if this one is new)`,
      );
    }
    const other = byVersion.get(m.from);
    if (other) {
      throw new DecoratorUsageError(
        'Migrate',
        ctor.name,
        m.method,
        `version ${m.from} already has a migration, ${other.method}; keep one per version`,
      );
    }
    byVersion.set(m.from, m);
  }
  const chain: MigrationDefinition[] = [];
  for (let from = 1; from < version; from++) {
    const m = byVersion.get(from);
    if (!m) {
      throw new DecoratorUsageError(
        'Process',
        ctor.name,
        undefined,
        `state version ${version} needs a migration from every older version, and version ${from} has none; ` +
          `add a static @Migrate(${from}) method that turns version ${from} state into version ${from + 1}`,
      );
    }
    const method = (ctor as unknown as Record<string, unknown>)[m.method];
    if (typeof method !== 'function')
      throw new DecoratorUsageError('Migrate', ctor.name, m.method, 'the migration is no longer a static method');
    const run = (state: MigrationState): MigrationResult =>
      (method as (s: MigrationState) => MigrationResult).call(ctor, state);
    chain.push(Object.freeze({ from, method: m.method, run }));
  }
  return chain;
}

/**
 * Turns a `@Process` class into its validated, immutable definition (cached per class).
 * @throws DecoratorUsageError when the class is not decorated with `@Process` or its members misuse decorators.
 */
export function processDefinitionOf(ctor: Constructor): ProcessDefinition {
  if (typeof ctor !== 'function') {
    throw new DecoratorUsageError('Process', String(ctor), undefined, 'expected a class decorated with @Process');
  }
  const cached = cache.get(ctor);
  if (cached) return cached;
  const options = readProcessOptions(ctor);
  if (!options) {
    throw new DecoratorUsageError(
      'Process',
      ctor.name || '(anonymous class)',
      undefined,
      'the class is not decorated with @Process',
    );
  }
  const functions = new Map<string, FunctionDefinition>();
  for (const f of readFunctions(ctor)) {
    const existing = functions.get(f.name);
    if (existing) {
      throw new DecoratorUsageError(
        'Fn',
        ctor.name,
        f.method,
        `function name '${f.name}' is already used by ${existing.method}`,
      );
    }
    functions.set(f.name, Object.freeze({ ...f }));
  }
  const fieldNames = new Set<string>();
  const state = readStateFields(ctor).map((s) => {
    if (functions.has(s.field))
      throw new DecoratorUsageError('State', ctor.name, s.field, 'a member cannot be both state and a function');
    fieldNames.add(s.field);
    return Object.freeze(
      s.type ? { field: s.field, type: resolveThunk(ctor.name, s.field, s.type) } : { field: s.field },
    );
  });
  for (const f of functions.values()) {
    if (fieldNames.has(f.method))
      throw new DecoratorUsageError('Fn', ctor.name, f.method, 'a member cannot be both state and a function');
  }
  const version = options.version ?? 1;
  const migrations = migrationChain(ctor, version);
  const definition: ProcessDefinition = Object.freeze({
    name: options.name,
    ctor,
    maxConcurrency: options.maxConcurrency,
    idleTimeoutMs: options.idleTimeoutMs,
    ...(options.checkpointEveryMs === undefined ? {} : { checkpointEveryMs: options.checkpointEveryMs }),
    durability: options.durability ?? 'checkpoint',
    functions: freezeMap(functions),
    state: Object.freeze(state),
    version,
    migrations: Object.freeze(migrations),
  });
  cache.set(ctor, definition);
  return definition;
}

/** True when `value` is a class decorated with `@Process` (without validating its members). */
export function isProcessClass(value: unknown): value is Constructor {
  return typeof value === 'function' && readProcessOptions(value as Constructor) !== undefined;
}

/** Lists function names, for error messages. */
export function functionNames(definition: ProcessDefinition): string[] {
  return [...definition.functions.keys()];
}
