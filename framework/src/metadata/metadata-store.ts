import 'reflect-metadata';
import type { Trigger } from '../api/triggers';
import { FUNCTIONS, MIGRATIONS, PROCESS_OPTIONS, STATE_FIELDS } from './keys';

/** A class constructor as the framework sees it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Constructor<T = object> = new (...args: any[]) => T;
/** A type thunk, `() => Model`, resolved lazily so classes may be declared in any order. */
export type TypeThunk = () => Constructor;

/**
 * When a process's state is committed: `checkpoint` (at swap-out and every `checkpointEveryMs`;
 * a host failure loses what was acknowledged since) or `call` (a call's reply waits until the
 * state it produced is committed).
 */
export type Durability = 'checkpoint' | 'call';

export interface ProcessOptionsRecord {
  readonly name: string;
  readonly maxConcurrency: number;
  readonly idleTimeoutMs: number;
  readonly checkpointEveryMs?: number;
  readonly durability?: Durability;
  /** State version (`@Process({ version })`); absent means 1. */
  readonly version?: number;
}

export interface FunctionRecord {
  readonly name: string;
  readonly method: string;
  readonly trigger: Trigger;
  readonly exclusive: boolean;
  readonly timeoutMs?: number;
}

/** A `@Migrate(from)` static method: turns state of version `from` into version `from + 1`. */
export interface MigrationRecord {
  readonly from: number;
  readonly method: string;
}

export interface StateFieldRecord {
  readonly field: string;
  readonly type?: TypeThunk;
}

/* All access to reflect-metadata lives in this file; decorators record, definitions read. */

export function recordProcessOptions(target: Constructor, options: ProcessOptionsRecord): void {
  Reflect.defineMetadata(PROCESS_OPTIONS, options, target);
}

export function readProcessOptions(target: Constructor): ProcessOptionsRecord | undefined {
  return Reflect.getOwnMetadata(PROCESS_OPTIONS, target) as ProcessOptionsRecord | undefined;
}

function ownList<T>(key: string, target: Constructor): T[] {
  const own = Reflect.getOwnMetadata(key, target) as T[] | undefined;
  if (own) return own;
  // Inherited lists are copied, never mutated: a subclass must not change its parent's metadata.
  const inherited = (Reflect.getMetadata(key, target) as T[] | undefined) ?? [];
  const copy = [...inherited];
  Reflect.defineMetadata(key, copy, target);
  return copy;
}

/** Adds `record` to the class's own list, replacing an inherited or earlier entry for the same member. */
function upsert<T>(key: string, target: Constructor, record: T, sameMember: (entry: T) => boolean): void {
  const list = ownList<T>(key, target);
  const overridden = list.findIndex(sameMember);
  if (overridden >= 0) list.splice(overridden, 1);
  list.push(record);
}

export function recordFunction(target: Constructor, record: FunctionRecord): void {
  upsert(FUNCTIONS, target, record, (f) => f.method === record.method);
}

export function readFunctions(target: Constructor): readonly FunctionRecord[] {
  return (Reflect.getMetadata(FUNCTIONS, target) as FunctionRecord[] | undefined) ?? [];
}

export function recordStateField(target: Constructor, record: StateFieldRecord): void {
  upsert(STATE_FIELDS, target, record, (f) => f.field === record.field);
}

export function readStateFields(target: Constructor): readonly StateFieldRecord[] {
  return (Reflect.getMetadata(STATE_FIELDS, target) as StateFieldRecord[] | undefined) ?? [];
}

export function recordMigration(target: Constructor, record: MigrationRecord): void {
  upsert(MIGRATIONS, target, record, (m) => m.method === record.method);
}

export function readMigrations(target: Constructor): readonly MigrationRecord[] {
  return (Reflect.getMetadata(MIGRATIONS, target) as MigrationRecord[] | undefined) ?? [];
}
