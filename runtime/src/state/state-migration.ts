import {
  assertEncodable,
  decode,
  MigrationFailedError,
  revive,
  StateVersionTooNewError,
  type Logger,
  type MigrationState,
  type ProcessDefinition,
  validateName,
} from '@praas/framework/internal';
import type { RestoredSnapshot, SnapshotMeta } from './snapshot';

/** A snapshot's `@State` fields and keyed state, decoded at the state version of the class's code. */
export interface DecodedState {
  /** Only fields the class declares, each as its declared type. */
  readonly fields: readonly (readonly [string, unknown])[];
  readonly keyed: readonly (readonly [string, unknown])[];
}

/** The state version a snapshot was written with; snapshots from before versions existed hold version 1. */
export function stateVersionOf(meta: SnapshotMeta): number {
  return meta.stateVersion ?? 1;
}

/**
 * Decodes the state a snapshot holds for the class's code: as it is when the versions match; through
 * the class's migrations, in order, when the snapshot is older. Nothing is written: when a migration
 * fails, the snapshot stays as it was.
 * @throws StateVersionTooNewError when newer code wrote the snapshot.
 * @throws MigrationFailedError when a migration throws or returns something that is not a state.
 */
export async function decodeState(
  definition: ProcessDefinition,
  content: RestoredSnapshot,
  logger: Logger,
): Promise<DecodedState> {
  const { meta } = content;
  const stored = stateVersionOf(meta);
  const where = { processClass: definition.name, pid: meta.pid };
  if (stored > definition.version)
    throw new StateVersionTooNewError({ ...where, snapshotVersion: stored, codeVersion: definition.version });
  const keyed = content.keyed.map(([key, bytes]) => [key, decode(bytes, `state key '${key}'`)] as const);
  if (stored === definition.version) {
    const types = new Map(definition.state.map((f) => [f.field, f.type]));
    const fields = content.fields
      .filter(([field]) => types.has(field)) // A field removed from the class since the snapshot.
      .map(([field, bytes]) => [field, decode(bytes, `field ${definition.name}.${field}`, types.get(field))] as const);
    return { fields, keyed };
  }
  let state: MigrationState = {
    // Plain values: the classes the old version stored may not exist any more.
    fields: Object.fromEntries(content.fields.map(([field, bytes]) => [field, decode(bytes, `field ${field}`)])),
    keyed: new Map(keyed),
  };
  const fail = (from: number, reason: string, cause?: unknown): never => {
    throw new MigrationFailedError({ ...where, from, to: from + 1 }, reason, cause);
  };
  for (const migration of definition.migrations.slice(stored - 1)) {
    let result: unknown;
    try {
      result = await migration.run(state);
    } catch (cause) {
      fail(
        migration.from,
        `${migration.method} threw ${cause instanceof Error ? cause.message : String(cause)}`,
        cause,
      );
    }
    if (result !== undefined) state = result as MigrationState;
    if (!isState(state))
      fail(migration.from, `${migration.method} left no state: return nothing or { fields: object, keyed: Map }`);
  }
  try {
    // As ctx.state.set and a swap-out would: the state a migration leaves must be one the process can keep.
    for (const [key, value] of state.keyed) {
      validateName('state key', key);
      assertEncodable(value, `state key '${key}'`);
    }
    for (const [field, value] of Object.entries(state.fields)) assertEncodable(value, `field ${field}`);
  } catch (cause) {
    throw new MigrationFailedError(
      { ...where, from: stored, to: definition.version },
      `the migrated state cannot be kept: ${cause instanceof Error ? cause.message : String(cause)}`,
      cause,
    );
  }
  logger.info('state migrated', { from: stored, to: definition.version, processClass: definition.name });
  return {
    fields: revived(definition, state, { ...where, from: stored, to: definition.version }, logger),
    keyed: [...state.keyed],
  };
}

function isState(value: unknown): value is MigrationState {
  if (value === null || typeof value !== 'object') return false;
  const { fields, keyed } = value as Partial<MigrationState>;
  return fields !== null && typeof fields === 'object' && keyed instanceof Map;
}

/** The migrated fields the class declares, as their declared types; others are dropped, with a warning. */
function revived(
  definition: ProcessDefinition,
  state: MigrationState,
  where: ConstructorParameters<typeof MigrationFailedError>[0],
  logger: Logger,
): (readonly [string, unknown])[] {
  const declared = new Set(definition.state.map((f) => f.field));
  const undeclared = Object.keys(state.fields).filter((field) => !declared.has(field));
  if (undeclared.length > 0)
    logger.warn('migrated state has fields the class does not declare; they are dropped', { fields: undeclared });
  return definition.state
    .filter((f) => Object.hasOwn(state.fields, f.field))
    .map((f) => {
      const value = state.fields[f.field];
      if (!f.type) return [f.field, value] as const;
      try {
        return [f.field, revive(value, f.type)] as const;
      } catch (cause) {
        const reason = `field ${f.field} does not restore as ${f.type.name}: ${String(cause)}`;
        throw new MigrationFailedError(where, reason, cause);
      }
    });
}
