import {
  appDataSecret,
  DEFAULT_BUCKET_PREFIX,
  DirectTransport,
  InvalidArgumentError,
  natsConfigWithUser,
  gatewayNatsCredentials,
  registryBucketName,
  RegistryRoutes,
  silentLogger,
  type Logger,
  type Transport,
} from '@praas/framework/internal';
import {
  denyKvRollups,
  natsPermissionViolation,
  NatsKvRegistry,
  NatsKvTimerStore,
  NatsTransport,
} from '@praas/framework/nats';

/** The KV buckets all applications share: a write to one's own key must not be able to purge them. */
const SHARED_BUCKETS = [
  ...(['apps', 'processes', 'hosts'] as const).map((kind) => registryBucketName(DEFAULT_BUCKET_PREFIX, kind)),
  `${DEFAULT_BUCKET_PREFIX}timers`,
];
import { TimerMarkerSweeper } from './timer-marker-sweeper';
import { bundleStoreFromEnv } from '../bundles/s3-bundle-store';
import { ControlPlane } from '../control/control-plane';
import type { GatewayBackend, GatewayBackendFactory } from '../main';
import { HOST_STALE_MS } from '../placement/least-loaded';
import { DownScalingPolicy } from '../policy/down-scaling';
import { RegisteredHostProvider } from '../provisioning/registered-host-provider';

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidArgumentError(`${name} must be a positive whole number, got '${raw}'`, { variable: name });
  }
  return value;
}

/** Logs what nats-server refuses the gateway's user (reported asynchronously), until the connection closes. */
function logPermissionViolations(nats: NatsTransport, user: string | undefined, logger: Logger): void {
  (async () => {
    for await (const status of nats.connection.status()) {
      const refused = natsPermissionViolation(status, user);
      if (refused) logger.error(refused.message, refused.fields);
    }
  })().catch((err: unknown) => logger.warn('stopped watching the NATS connection status', { err }));
}

/**
 * The gateway's backend on NATS (DESIGN §3, §7): the registry in JetStream KV, control requests
 * and FaaS-style invocations over the NATS transport, runtime hosts from the static pool that
 * registers itself, and the down-scaling policy. Reads `PRAAS_NATS_URL` (comma-separated seed URLs of a
 * cluster), `PRAAS_NATS_USER` and `PRAAS_NATS_PASSWORD` (its NATS user, see `praas-framework nats`), `PRAAS_NATS_REPLICAS` (JetStream replicas of the registry buckets, default 1), `PRAAS_HOST_WAIT_MS`
 * (how long a new application waits for its first host, default 10 000) and
 * `PRAAS_DOWNSCALE_INTERVAL_MS` (default 1 000), `PRAAS_HOST_STALE_MS` (a host whose heartbeat is
 * older counts as gone and gets no new processes; default 10 000, set it as for the hosts). With
 * `PRAAS_S3_ENDPOINT`, `PRAAS_S3_ACCESS_KEY`, `PRAAS_S3_SECRET_KEY` and `PRAAS_S3_BUCKET` (those of
 * the runtime hosts) it accepts deployments (`PUT /v1/apps/{app}/versions`) and stores their code bundles there.
 * `PRAAS_DATA_PLANE` (`direct`, the default, or `nats`) chooses how invocations and messages reach
 * the processes: over direct connections to the hosts' data ports (DESIGN §5a), NATS as fallback.
 * The durable timers the hosts fire are listed and cancelled in their JetStream KV store, opened on
 * the same connection; the deletion markers hosts leave there are swept every `PRAAS_TIMER_SWEEP_MS`
 * (default 30 000). Its transport, registry, timer store, control plane, policy and bundle store log to `logger`.
 */
export const natsBackend: GatewayBackendFactory = async (
  _config,
  env,
  logger = silentLogger,
): Promise<GatewayBackend> => {
  const { servers, replicas, user, password } = natsConfigWithUser(env, (secret) => gatewayNatsCredentials({ secret }));
  const hostWaitMs = positive(env, 'PRAAS_HOST_WAIT_MS', 10_000);
  const intervalMs = positive(env, 'PRAAS_DOWNSCALE_INTERVAL_MS', 1_000);
  const bundles = bundleStoreFromEnv(env, logger.child({ component: 'bundles' }));
  const hostStaleMs = positive(env, 'PRAAS_HOST_STALE_MS', HOST_STALE_MS);
  const dataPlane = env['PRAAS_DATA_PLANE']?.trim() || 'direct';
  if (dataPlane !== 'direct' && dataPlane !== 'nats') {
    throw new InvalidArgumentError(`PRAAS_DATA_PLANE must be 'direct' or 'nats', got '${dataPlane}'`, {
      variable: 'PRAAS_DATA_PLANE',
    });
  }
  const nats = await NatsTransport.connect({
    servers,
    replicas,
    name: 'praas-gateway',
    logger: logger.child({ component: 'transport' }),
    ...(user === undefined ? {} : { user, password }),
  });
  logPermissionViolations(nats, user, logger);
  let transport: Transport = nats;
  const dataSecret = env['PRAAS_DATA_SECRET']?.trim() || undefined;
  try {
    const registry = await NatsKvRegistry.open(nats.connection, {
      replicas,
      logger: logger.child({ component: 'registry' }),
    });
    // The gateway only dials: the hosts' data ports, for the processes the registry places there.
    if (dataPlane === 'direct')
      transport = new DirectTransport(nats, {
        from: 'gateway',
        routes: new RegistryRoutes(registry),
        // With a master secret, the gateway proves each application's secret to its hosts (DESIGN §8a).
        ...(dataSecret ? { secretOf: (app: string) => Buffer.from(appDataSecret(dataSecret, app), 'utf8') } : {}),
      });
    const timers = await NatsKvTimerStore.open(nats.connection, {
      replicas,
      logger: logger.child({ component: 'timers' }),
    });
    const sweeper = new TimerMarkerSweeper({
      store: timers,
      intervalMs: positive(env, 'PRAAS_TIMER_SWEEP_MS', 30_000),
      logger: logger.child({ component: 'timers' }),
    });
    const hardened = await denyKvRollups(await nats.connection.jetstreamManager(), SHARED_BUCKETS);
    if (hardened.length > 0) logger.info('turned rollup headers off on shared KV buckets', { buckets: hardened });
    const controlPlane = new ControlPlane({
      transport,
      registry,
      timers,
      provider: new RegisteredHostProvider(registry, hostWaitMs, hostStaleMs),
      hostStaleMs,
      logger: logger.child({ component: 'control-plane' }),
      ...(bundles ? { bundles } : {}),
    });
    const policy = new DownScalingPolicy({
      registry,
      scaleDown: (app, host) => controlPlane.scaleDownHost(app, host),
      intervalMs,
      hostStaleMs,
      logger: logger.child({ component: 'down-scaling' }),
    });
    policy.start();
    sweeper.start();
    return {
      controlPlane,
      close: async () => {
        await policy.stop();
        await sweeper.stop();
        await timers.close();
        await registry.close();
        await transport.close();
      },
    };
  } catch (e) {
    await transport.close();
    throw e;
  }
};
