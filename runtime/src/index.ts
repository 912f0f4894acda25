/**
 * @praas/runtime — runtime hosts: each hosts many cloud processes of one application, with their
 * mailboxes, function dispatch, state and swapping.
 */
import 'reflect-metadata';

export { RuntimeHost, type RuntimeHostOptions } from './host/runtime-host';
export type { CodeSource, CodeVersion } from './code/code-source';
export type { CreateOptions } from './host/control-handler';
export type { DataPlaneKind, DataPlaneOption, DirectDataPlaneOptions } from './host/host-data-plane';
export { BundleLoader, hostNodeModules, type BundleLoaderOptions } from './code/bundle-loader';
export { ProcessController, type ProcessControllerOptions, type ProcessDirectory } from './process/process-controller';
export { FunctionGate } from './process/function-gate';
export { claimProcessFault, type FaultOrigin } from './process/call-scope';
export { Mailbox, type StoredMessage, type MailboxSnapshot } from './mailbox/mailbox';
export { KeyedState } from './state/keyed-state';
export {
  encodeSnapshot,
  decodeSnapshot,
  SNAPSHOT_FORMAT,
  type SnapshotContent,
  type RestoredSnapshot,
  type EncodedValue,
  type SnapshotMeta,
} from './state/snapshot';
export {
  SnapshotRepository,
  DEFAULT_CHUNK_BYTES,
  DEFAULT_INLINE_BYTES,
  type SnapshotManifest,
  type KnownGeneration,
  type SnapshotRepositoryOptions,
  type ChunkInfo,
} from './state/snapshot-repository';
export { UNTYPED_STATE_WARNING } from './state/state-type-check';
export type { SwapStore } from './storage/swap-store';
export { FsSwapStore } from './storage/fs/fs-swap-store';
export {
  S3SwapStore,
  S3_SINGLE_PUT_LIMIT,
  type S3SwapStoreOptions,
  type S3RetryOptions,
} from './storage/s3/s3-swap-store';
export { swapStoreFromEnv, type SwapStoreFromEnvOptions } from './storage/swap-store-from-env';
export { DEFAULT_S3_BUCKET } from '@praas/framework/internal';
export { readHostConfig, type HostConfig } from './main/host-config';
export { loadProcessClasses } from './code/process-classes';
export { runHost, HOST_USAGE, type RunHostOptions } from './main/run-host';
export { installHostFaultHandlers } from './main/host-fault-handlers';
export { HostMetrics, type HostMetricsSource } from './metrics/host-metrics';
