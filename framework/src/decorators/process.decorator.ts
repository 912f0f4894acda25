import { DecoratorUsageError } from '../errors';
import { isValidName } from '../wire/names';
import { recordProcessOptions, type Constructor, type Durability } from '../metadata/metadata-store';

export interface ProcessOptions {
  /** Class name used to create processes; defaults to the class's name. */
  name?: string;
  /** How many functions may run at once, interleaved at `await` (default 64). */
  maxConcurrency?: number;
  /** Swap out after this long without data-plane activity (default 300 000 ms; 0 = never). */
  idleTimeoutMs?: number;
  /**
   * Write a snapshot at this interval without deactivating, to bound what a host failure loses:
   * what was acknowledged in the last `checkpointEveryMs` plus one upload (see the README's "What
   * you can rely on").
   */
  checkpointEveryMs?: number;
  /**
   * `'call'`: a call's reply is sent only after the state it produced is committed (calls that end
   * together share one snapshot), so a host failure never loses an acknowledged call; each call
   * then costs a snapshot upload. Default `'checkpoint'`: state is committed at swap-out and every
   * `checkpointEveryMs`.
   */
  durability?: Durability;
  /**
   * Version of the state's shape (default 1). Snapshots record it; raise it when a change to the
   * `@State` fields or keyed state needs old state converted, and add a static `@Migrate(n)` for
   * each older version n. A snapshot written by a newer version is refused, never read.
   */
  version?: number;
}

export const DEFAULT_MAX_CONCURRENCY = 64;
export const DEFAULT_IDLE_TIMEOUT_MS = 300_000;

function check(className: string, ok: boolean, problem: string): void {
  if (!ok) throw new DecoratorUsageError('Process', className, undefined, problem);
}

/**
 * Marks a class as a cloud process. Methods decorated with `@Fn` become its functions and fields
 * decorated with `@State` its swappable state.
 * @example
 * ```ts
 * @Process({ maxConcurrency: 8 })
 * class Counter { @State() n = 0; @Fn() add(by: number) { return (this.n += by); } }
 * ```
 */
export function Process(options: ProcessOptions = {}): ClassDecorator {
  return (target) => {
    const className = target.name || '(anonymous class)';
    const name = options.name ?? target.name;
    check(className, isValidName(name), `name ${JSON.stringify(name)} must be 1-128 letters, digits, '_' or '-'`);
    const maxConcurrency = options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY;
    check(
      className,
      Number.isInteger(maxConcurrency) && maxConcurrency >= 1,
      `maxConcurrency must be an integer of at least 1, got ${maxConcurrency}`,
    );
    const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    check(
      className,
      Number.isFinite(idleTimeoutMs) && idleTimeoutMs >= 0,
      `idleTimeoutMs must be a non-negative number, got ${idleTimeoutMs}`,
    );
    const every = options.checkpointEveryMs;
    check(
      className,
      every === undefined || (Number.isFinite(every) && every > 0),
      `checkpointEveryMs must be a positive number, got ${every}`,
    );
    const durability = options.durability;
    check(
      className,
      durability === undefined || durability === 'checkpoint' || durability === 'call',
      `durability must be 'checkpoint' or 'call', got ${JSON.stringify(durability)}`,
    );
    const version = options.version;
    check(
      className,
      version === undefined || (Number.isInteger(version) && version >= 1),
      `version must be an integer of at least 1, got ${String(version)}`,
    );
    recordProcessOptions(target as unknown as Constructor, {
      name,
      maxConcurrency,
      idleTimeoutMs,
      ...(every === undefined ? {} : { checkpointEveryMs: every }),
      ...(durability === undefined ? {} : { durability }),
      ...(version === undefined ? {} : { version }),
    });
  };
}
