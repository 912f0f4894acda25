import type { Server } from 'node:http';
import {
  appInboxPrefix,
  appNatsUser,
  loggerFromEnv,
  newId,
  tracingFromEnv,
  type TracingHandle,
} from '@praas/framework/internal';
import { NatsKvRegistry, NatsKvTimerStore, NatsTransport } from '@praas/framework/nats';
import { BundleLoader } from '../code/bundle-loader';
import { RuntimeHost } from '../host/runtime-host';
import { swapStoreFromEnv } from '../storage/swap-store-from-env';
import { serveHealth, type HealthStatus } from './health-server';
import { HostMetrics } from '../metrics/host-metrics';
import { watchNatsStatus } from './nats-status';
import { loadProcessClasses } from '../code/process-classes';
import { readHostConfig } from './host-config';

export interface RunHostOptions {
  /** Command-line flags: `--module <path>` overrides PRAAS_MODULE, `--app <name>` PRAAS_APP. */
  readonly argv?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly out?: (line: string) => void;
  readonly err?: (line: string) => void;
}

export const HOST_USAGE = `usage: praas-framework host [--module <compiled module>] [--app <name>]

Without a module the host runs the code deployed with praas-framework deploy --gateway URL: it
waits for the first version, and loads newer ones as they are deployed.

environment: PRAAS_NATS_URL (required; comma-separated seed URLs of a cluster), PRAAS_NATS_REPLICAS (1 | 3 | 5;
  default 1: JetStream replicas of the registry and backup queues), PRAAS_NATS_USER + PRAAS_NATS_PASSWORD (the
  application's NATS user, see praas-framework nats; or PRAAS_NATS_SECRET to derive it), PRAAS_APP, PRAAS_MODULE, PRAAS_CODE_DIR, PRAAS_HOST_ID,
  PRAAS_S3_ENDPOINT + PRAAS_S3_ACCESS_KEY + PRAAS_S3_SECRET_KEY [+ PRAAS_S3_BUCKET] or PRAAS_SWAP_DIR,
  PRAAS_HEALTH_PORT (serves GET /healthz: 503 while the deployed code does not load, and GET /metrics), PRAAS_HEARTBEAT_MS,
  PRAAS_HOST_STALE_MS, PRAAS_MEMORY_BUDGET_BYTES, PRAAS_DATA_PLANE (direct | nats; default direct), PRAAS_DATA_PORT,
  PRAAS_TIMER_RETRY_MS (first retry of a failed timer firing; default 1000), PRAAS_TIMER_CLOCK_OFFSET_MS (tests), PRAAS_ADVERTISE_ADDR (host[:port] | auto), PRAAS_DATA_BIND,
  PRAAS_LOG_LEVEL (trace | debug | info | warn | error | fatal | silent; default info: JSON records on stderr),
  PRAAS_OTEL=1 (traces: starts the OpenTelemetry SDK; install @opentelemetry/sdk-node; OTEL_* variables configure it)`;

function flagsToEnv(argv: readonly string[], env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  const names: Record<string, string> = {
    '--module': 'PRAAS_MODULE',
    '--app': 'PRAAS_APP',
    '--host-id': 'PRAAS_HOST_ID',
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    const variable = names[flag];
    if (!variable) throw new Error(`unknown option '${argv[i]}'\n${HOST_USAGE}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`option ${flag} needs a value\n${HOST_USAGE}`);
    out[variable] = value;
  }
  return out;
}

/**
 * A runtime host as an OS process (DESIGN §3, §7): hosts the `@Process` classes of the module for
 * one application on NATS, swapping to S3 or a directory; a host with a module creates its
 * application in the registry when it is missing. Prints one ready line (`... serving <app> on
 * ...`, or `... cannot run <app> ...` when the deployed code does not load: the host stays up,
 * reports why, and loads the next version deployed); on SIGTERM or SIGINT swaps every process out
 * and resolves with 0. With PRAAS_HEALTH_PORT it answers `GET /healthz` from the start, for
 * container health checks and Kubernetes probes, in the gateway's JSON: 200 `{ "status": "ok" }`
 * while serving, 200 `{ "status": "waiting", "message": ... }` while waiting for the first
 * deployment, 503 with the error format and the reason while starting, stopping, not connected to
 * NATS, or when the newest deployed code does not load.
 * @returns the exit code: 0 after a signal, 2 for bad arguments, 1 when the host could not start or stop.
 */
export async function runHost(options: RunHostOptions = {}): Promise<number> {
  // The program's own output (its ready line, why it cannot start), not log records: those go to the logger.
  const out = options.out ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const err = options.err ?? ((line: string) => void process.stderr.write(`${line}\n`));
  let env: NodeJS.ProcessEnv;
  try {
    env = flagsToEnv(options.argv ?? [], options.env ?? process.env);
  } catch (e) {
    err(e instanceof Error ? e.message : String(e));
    return 2;
  }
  let host: RuntimeHost | undefined;
  let transport: NatsTransport | undefined;
  let registry: NatsKvRegistry;
  let timerStore: NatsKvTimerStore;
  let health: Server | undefined;
  let app = '';
  /** Set once the configuration is read: the host runs deployed code, so it may wait for a deployment. */
  let deployedCode = false;
  let stopRequested = false;
  let tracing: TracingHandle | undefined;
  const status = (): HealthStatus => {
    if (stopRequested) return { healthy: false, reason: 'the host is stopping: it swaps its processes out' };
    if (!transport) return { healthy: false, reason: 'the host is starting: it connects to NATS' };
    if (transport.connection.isClosed()) return { healthy: false, reason: 'the host is not connected to NATS' };
    if (!host && !deployedCode) return { healthy: false, reason: 'the host is starting: it registers its classes' };
    if (!host) return { healthy: true, waiting: `waiting for the first deployment of ${app}` };
    const error = host.codeError;
    if (error)
      return { healthy: false, reason: `cannot load code version ${error.version} of ${app}: ${error.message}` };
    return { healthy: true };
  };
  // Listening from the start: a host still waiting for its first deployment stops on a signal too.
  let onSignal = (): void => undefined;
  const stopped = new Promise<void>((resolve) => {
    onSignal = (): void => {
      stopRequested = true;
      resolve();
    };
  });
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const unlisten = (): void => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
  try {
    const config = readHostConfig(env);
    app = config.app;
    deployedCode = config.modulePath === undefined;
    const hostId = config.hostId ?? `host-${newId().slice(0, 8)}`;
    // Before anything connects: a bad PRAAS_LOG_LEVEL fails the start with the reason.
    // The RuntimeHost binds its app and host id itself; this host's own words get them here.
    const rootLogger = loggerFromEnv(env);
    const logger = rootLogger.child({ app, host: hostId });
    // Before any traffic: PRAAS_OTEL=1 starts the OpenTelemetry SDK the user installed.
    tracing = tracingFromEnv(env, 'praas-host', logger);
    const metrics = new HostMetrics({ app, host: hostId });
    // Up from the start, so that a host waiting for its code, or whose code does not load, answers too.
    const healthPort = env['PRAAS_HEALTH_PORT']?.trim();
    if (healthPort) health = await serveHealth(Number(healthPort), status, metrics);
    const processes = config.modulePath === undefined ? undefined : loadProcessClasses(config.modulePath);
    const store = swapStoreFromEnv(env, {
      logger: logger.child({ component: 's3-swap-store' }),
      observer: {
        retried: (operation) => metrics.s3Retries.inc({ operation }),
        failed: (operation) => metrics.s3Errors.inc({ operation }),
      },
    });
    transport = await NatsTransport.connect({
      servers: config.nats.servers,
      replicas: config.nats.replicas,
      name: `praas-host-${config.hostId ?? config.app}`,
      ...(config.nats.user === undefined ? {} : { user: config.nats.user, password: config.nats.password }),
      // Its own inboxes: the only ones the application's NATS user may subscribe to.
      inboxPrefix: appInboxPrefix(config.app),
    });
    let reconnected = (): void => metrics.natsReconnects.inc();
    watchNatsStatus(transport.connection, logger, () => reconnected(), config.nats.user);
    registry = await NatsKvRegistry.open(transport.connection, { replicas: config.nats.replicas });
    // The application's timers, shared by all its hosts, on the host's own connection.
    const offset = config.timerClockOffsetMs ?? 0;
    const now = offset === 0 ? Date.now : (): number => Date.now() + offset;
    timerStore = await NatsKvTimerStore.open(transport.connection, {
      replicas: config.nats.replicas,
      now,
      // An application's user may not purge: its deletion markers are left to the gateways' sweep.
      purges: config.nats.user !== appNatsUser(config.app),
    });
    if (
      processes === undefined &&
      !(await waitForDeployment(registry, config.app, hostId, config, out, () => stopRequested))
    ) {
      unlisten();
      health?.close();
      await timerStore.close();
      await registry.close();
      await transport.close();
      return 0;
    }
    const starting = new RuntimeHost({
      app: config.app,
      ...(processes === undefined
        ? { code: new BundleLoader({ app: config.app, store, cacheDir: config.codeDir }) }
        : { processes }),
      log: out,
      logger: rootLogger,
      metrics,
      transport,
      registry,
      store,
      hostId,
      timers: {
        store: timerStore,
        now,
        ...(config.timerRetryMs === undefined ? {} : { firer: { retryBaseMs: config.timerRetryMs } }),
      },
      ...(config.heartbeatMs === undefined ? {} : { heartbeatMs: config.heartbeatMs }),
      ...(config.hostStaleMs === undefined ? {} : { hostStaleMs: config.hostStaleMs }),
      ...(config.memoryBudgetBytes === undefined ? {} : { memoryBudgetBytes: config.memoryBudgetBytes }),
      dataPlane: config.dataPlane,
      ...(processes === undefined ? {} : { log: err }),
    });
    await starting.start();
    host = starting;
    reconnected = (): void => {
      metrics.natsReconnects.inc();
      starting.natsReconnected();
    };
    const broken = host.codeError;
    const version = host.codeVersion === undefined ? '' : ` (code version ${host.codeVersion})`;
    const plane = host.dataAddress === undefined ? 'data plane nats' : `direct data plane on ${host.dataAddress}`;
    if (broken) {
      out(
        `praas host ${host.id} cannot run ${host.app} on ${config.natsUrl}: cannot load code version ${broken.version}: ` +
          `${broken.message}; it loads the next version deployed`,
      );
    } else out(`praas host ${host.id} serving ${host.app} on ${config.natsUrl}${version}, ${plane}`);
  } catch (e) {
    err(`praas host failed to start: ${e instanceof Error ? e.message : String(e)}`);
    unlisten();
    health?.close();
    await tracing?.shutdown();
    return 1;
  }
  await stopped;
  unlisten();
  try {
    health?.close();
    await host.stop({ swapOut: true });
    await timerStore.close();
    await registry.close();
    await transport.close();
    await tracing?.shutdown();
    return 0;
  } catch (e) {
    err(`praas host ${host.id}: stop failed: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

/**
 * Waits until the application has a deployed code version, polling its record at the heartbeat
 * interval. Resolves false when the host was asked to stop first.
 */
async function waitForDeployment(
  registry: NatsKvRegistry,
  app: string,
  hostId: string,
  config: { heartbeatMs?: number },
  out: (line: string) => void,
  stopRequested: () => boolean,
): Promise<boolean> {
  let announced = false;
  for (;;) {
    if ((await registry.getApp(app))?.version !== undefined) return true;
    if (!announced) {
      out(`praas host ${hostId} waiting for the code of ${app}: praas-framework deploy --gateway URL`);
      announced = true;
    }
    if (stopRequested()) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(config.heartbeatMs ?? 2_000, 1_000)));
    if (stopRequested()) return false;
  }
}
