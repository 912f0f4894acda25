/**
 * @praas/framework — the programming model of PraaS cloud processes and the wire contract that
 * the runtime hosts and the gateway share.
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
export {
  processDefinitionOf,
  isProcessClass,
  functionNames,
  type ProcessDefinition,
  type FunctionDefinition,
  type StateFieldDefinition,
} from './metadata/process-definition';
export type { Constructor, TypeThunk } from './metadata/metadata-store';
export * from './errors';
export { validateName, isValidName, normalizeKey, type NameKind } from './wire/names';
export { encode, encodeParts, decode, revive, assertEncodable, type ClassInstanceVisitor } from './wire/codec';
export * from './wire/subjects';
export * from './wire/envelope';
export * from './wire/object-keys';
export * from './wire/app-bundle';
export { newId } from './wire/ids';
export * from './transport/transport';
export { MemoryTransport, type MemoryTransportOptions } from './transport/memory/memory-transport';
export { FsBackupQueue, type FsBackupQueueOptions } from './transport/fs/fs-backup-queue';
export * from './registry/registry';
export { MemoryRegistry, type MemoryRegistryOptions } from './registry/memory/memory-registry';
export * from './api/control-plane';
export {
  DataPlaneClient,
  unwrapReply,
  DEFAULT_INVOKE_TIMEOUT_MS,
  type LocalReceiver,
} from './transport/data-plane-client';
export {
  SequencedSender,
  receiverKey,
  type SenderState,
  type SequencedMessageOptions,
  type SequencedInvocationOptions,
} from './transport/sequenced-sender';
export * from './transport/direct';
export { NatsTransport, type NatsTransportOptions } from './transport/nats/nats-transport';
export { NatsBackupQueue, type NatsBackupQueueOptions } from './transport/nats/nats-backup-queue';
export { connectNats, type NatsConnectionOptions } from './transport/nats/nats-connection';
export {
  NatsKvRegistry,
  type NatsKvRegistryOptions,
  type NatsKvRegistryConnectOptions,
} from './registry/nats/nats-kv-registry';
export { PraasClient, type PraasClientOptions, type DataPlaneAccess, type WatchOptions } from './client/praas-client';
export { SseParser, type ServerSentEvent } from './client/sse-parser';
export { s3ConfigFromEnv, DEFAULT_S3_BUCKET, type S3Config } from './config/s3-config';
export {
  JsonLogger,
  MemoryLogger,
  silentLogger,
  loggerFromEnv,
  parseLogLevel,
  serializeError,
  LOG_LEVELS,
  type Logger,
  type LogLevel,
  type LogFields,
  type LogRecord,
  type JsonLoggerOptions,
} from './logging/logger';
