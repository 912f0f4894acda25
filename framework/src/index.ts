/**
 * @praas/framework — what a PraaS application imports: the decorators that declare cloud processes,
 * the `Context` API their functions receive, triggers, errors, and `PraasClient` for talking to a
 * gateway. No NATS client and no CLI are loaded from here.
 *
 * Runtime hosts, the gateway and the embedded stack share the wire contract through
 * `@praas/framework/internal`; applications should not import it.
 *
 * @example
 * ```ts
 * import { Process, Fn, State, type Context } from '@praas/framework';
 *
 * @Process({ name: 'counter' })
 * export class Counter {
 *   @State() total = 0;
 *   @Fn() add(n: number, ctx: Context): number { return (this.total += n); }
 * }
 * ```
 */
import 'reflect-metadata';

export {
  Process,
  type ProcessOptions,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_CONCURRENCY,
} from './decorators/process.decorator';
export { Fn, type FnOptions } from './decorators/fn.decorator';
export { State } from './decorators/state.decorator';
export { Migrate, type MigrationResult, type MigrationState } from './decorators/migrate.decorator';
/**
 * class-transformer's `@Type(() => C)`: declares the class of a property nested in a `@State` class
 * (one instance, or an array of them), so that a swap-in restores it with its prototype.
 * Re-exported so that it records into the class-transformer copy the codec reads.
 * @example
 * ```ts
 * class Plan { @Type(() => Step) steps: Step[] = []; }
 * ```
 */
export { Type } from 'class-transformer';
export * from './api/context';
export * from './api/triggers';
export type { Schedule, ScheduleSpec, CatchUp } from './timers/schedule';
export type * from './api/control-plane';
export * from './api/inspection';
export type { ProcessPageQuery } from './registry/registry';
export type { TimerDetails, TimerDetailsPage, TimerListQuery } from './timers/timer-details';
export type { Constructor, Durability, TypeThunk } from './metadata/metadata-store';
export { ERROR_CODES, type ErrorCode, type ErrorCodeSpec } from './errors/error-codes';
export { PraasError, type PraasErrorOptions, type WireError } from './errors/praas-error';
export * from './errors/errors';
export { validateName, isValidName, type NameKind } from './wire/names';
export { PraasClient, type PraasClientOptions, type DataPlaneAccess, type WatchOptions } from './client/praas-client';
export { JsonLogger, silentLogger, type Logger, type LogLevel, type LogFields } from './logging/logger';
export { PinoLogger, loggerFromEnv, type LogFormat, type PinoLoggerOptions } from './logging/pino-logger';
