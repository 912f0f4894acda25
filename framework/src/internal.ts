/**
 * @praas/framework/internal — everything the sibling packages (@praas/runtime, @praas/gateway,
 * @praas/embedded, the praas-framework CLI) share: the public API plus the wire contract, the
 * transport and registry seams with their in-memory implementations, the codec and the logger.
 * Not a stable API: applications import `@praas/framework`; NATS lives in `@praas/framework/nats`.
 */
// The public API first (it loads reflect-metadata), then what only sibling packages need.
export * from './index';
export {
  processDefinitionOf,
  isProcessClass,
  functionNames,
  type ProcessDefinition,
  type FunctionDefinition,
  type StateFieldDefinition,
  type MigrationDefinition,
} from './metadata/process-definition';
export * from './errors';
export { validateName, isValidName, normalizeKey, type NameKind } from './wire/names';
export { encode, encodeParts, decode, revive, assertEncodable, type ClassInstanceVisitor } from './wire/codec';
export * from './wire/subjects';
export * from './wire/envelope';
export * from './tracing/tracing';
export * from './tracing/tracing-from-env';
export * from './wire/object-keys';
export * from './wire/app-bundle';
export { newId, newPid } from './wire/ids';
export * from './transport/transport';
export { MemoryTransport, type MemoryTransportOptions } from './transport/memory/memory-transport';
export { FsBackupQueue, type FsBackupQueueOptions } from './transport/fs/fs-backup-queue';
export * from './registry/registry';
export { processInfo } from './registry/process-info';
export { MemoryRegistry, type MemoryRegistryOptions } from './registry/memory/memory-registry';
export * from './api/control-plane';
export * from './api/inspection';
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
export { PraasClient, type PraasClientOptions, type DataPlaneAccess, type WatchOptions } from './client/praas-client';
export { SseParser, type ServerSentEvent } from './client/sse-parser';
export {
  s3ConfigFromEnv,
  parseS3Endpoint,
  s3ClientSettings,
  DEFAULT_S3_BUCKET,
  type S3Config,
  type S3Endpoint,
  type S3ClientSettings,
} from './config/s3-config';
export {
  natsConfigFromEnv,
  natsConfigWithUser,
  parseNatsServers,
  validateReplicas,
  type NatsConfig,
} from './config/nats-config';
export {
  ADMIN_NATS_USER,
  appNatsCredentials,
  appNatsPermissions,
  appNatsUser,
  GATEWAY_NATS_USER,
  gatewayNatsCredentials,
  gatewayNatsPermissions,
  natsPassword,
  natsServerUsers,
  renderNatsServerConfig,
  type NatsAuthOptions,
  type NatsCredentials,
  type NatsPermissions,
  type NatsServerConfigOptions,
  type NatsUser,
} from './config/nats-server-auth';
export { DEFAULT_BUCKET_PREFIX, registryBucketName } from './registry/nats/registry-keys';
export {
  JsonLogger,
  MemoryLogger,
  silentLogger,
  parseLogLevel,
  serializeError,
  LOG_LEVELS,
  type Logger,
  type LogLevel,
  type LogFields,
  type LogRecord,
  type JsonLoggerOptions,
} from './logging/logger';
export {
  PinoLogger,
  loggerFromEnv,
  parseLogFormat,
  type LogFormat,
  type PinoLoggerOptions,
} from './logging/pino-logger';
export {
  parseSchedule,
  parseInterval,
  nextFire,
  firstFire,
  type Schedule,
  type ScheduleSpec,
  type CatchUp,
} from './timers/schedule';
export { parseCron, nextCronFire, type CronFields } from './timers/cron';
export type { TimerStore, TimerRecord, TimerLease, VersionedTimer } from './timers/timer-store';
export type { TimerKv, TimerKvEntry } from './timers/timer-kv';
export { SlottedTimerStore, timerIdFor, type TimerStoreOptions } from './timers/slotted-timer-store';
export { MemoryTimerStore } from './timers/memory/memory-timer-store';
export {
  DEFAULT_TIMER_PAGE_LIMIT,
  MAX_TIMER_PAGE_LIMIT,
  TIMER_PAGE_SCAN_LIMIT,
  timerPageWalk,
  type TimerPage,
  type TimerPageQuery,
  type TimerKvPage,
} from './timers/timer-pages';
export { timerDetails, type TimerDetails, type TimerDetailsPage, type TimerListQuery } from './timers/timer-details';
