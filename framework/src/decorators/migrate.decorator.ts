import { DecoratorUsageError } from '../errors';
import { recordMigration, type Constructor } from '../metadata/metadata-store';

/**
 * The state of a process as a migration sees it: what its snapshot holds, decoded.
 *
 * `fields` has every `@State` field the snapshot holds, by name, as plain values: built-ins (Date,
 * Map, Set, bigint, typed arrays, Buffer) come back as themselves, class instances as plain objects
 * (the class may have changed since); once the last migration ran, fields with a type thunk are
 * restored as instances of the class's current type. `keyed` is the keyed state (`ctx.state`).
 */
export interface MigrationState {
  fields: Record<string, unknown>;
  keyed: Map<string, unknown>;
}

/**
 * What a migration returns: nothing when it changed the state it was given in place, or a new state.
 * It may be async.
 */
export type MigrationResult = MigrationState | void | Promise<MigrationState | void>;

/**
 * Makes a static method the migration of the process's state from version `from` to `from + 1`
 * (see `@Process({ version })`). When a process swaps in from a snapshot older than the class's
 * version, the migrations from the snapshot's version up run in order, before any field is set;
 * if one throws, the swap-in fails with `MIGRATION_FAILED` and the snapshot stays as it was.
 *
 * Migrations are static: they run before the process's instance holds any state. A class at
 * version n must have one for each of 1 .. n-1 (checked when the class is registered).
 * @example
 * ```ts
 * @Process({ version: 2 })
 * class Account {
 *   @State() balanceCents = 0;
 *   @Migrate(1) static centsFromEuros({ fields }: MigrationState): void {
 *     fields.balanceCents = Math.round((fields.balance as number) * 100);
 *     delete fields.balance;
 *   }
 * }
 * ```
 */
export function Migrate(from: number): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    const isStatic = typeof target === 'function';
    const ctor = (isStatic ? target : target.constructor) as Constructor;
    const member = String(propertyKey);
    const fail = (problem: string): never => {
      throw new DecoratorUsageError('Migrate', ctor.name, member, problem);
    };
    if (!Number.isInteger(from) || from < 1)
      fail(`the version migrated from must be an integer of at least 1, got ${String(from)}`);
    if (typeof propertyKey === 'symbol') fail('migrations need a string name, not a symbol');
    if (!isStatic) fail('migrations must be static methods: they run before the process instance has its state');
    if (descriptor.get || descriptor.set) fail('getters and setters cannot be migrations; use a static method');
    if (typeof descriptor.value !== 'function') fail('only methods can be migrations');
    recordMigration(ctor, { from, method: member });
  };
}
