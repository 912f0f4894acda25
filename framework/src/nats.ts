/**
 * @praas/framework/nats — the NATS implementations of the transport, backup queue and registry.
 *
 * A separate entry so that only code that talks to NATS loads the `nats` client: it is an optional
 * peer dependency of @praas/framework, installed by @praas/runtime and @praas/gateway.
 */
export { NatsTransport, type NatsTransportOptions } from './transport/nats/nats-transport';
export { NatsBackupQueue, type NatsBackupQueueOptions } from './transport/nats/nats-backup-queue';
export { connectNats, type NatsConnectionOptions } from './transport/nats/nats-connection';
export {
  NatsKvRegistry,
  type NatsKvRegistryOptions,
  type NatsKvRegistryConnectOptions,
} from './registry/nats/nats-kv-registry';
export {
  NatsKvTimerStore,
  type NatsKvTimerStoreOptions,
  type NatsKvTimerStoreConnectOptions,
} from './timers/nats/nats-kv-timer-store';
export type { KvMarkerSweep } from './timers/nats/kv-marker-sweep';
export { natsPermissionViolation } from './transport/nats/nats-permission-status';
export { denyKvRollups } from './registry/nats/kv-rollups';
