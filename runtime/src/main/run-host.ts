import { createServer, type Server } from 'node:http';
import { NatsKvRegistry, NatsTransport, newId } from '@praas/framework';
import { BundleLoader } from '../code/bundle-loader';
import { RuntimeHost } from '../host/runtime-host';
import { swapStoreFromEnv } from '../storage/swap-store-from-env';
import { loadProcessClasses, readHostConfig } from './host-config';

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

environment: PRAAS_NATS_URL (required), PRAAS_APP, PRAAS_MODULE, PRAAS_CODE_DIR, PRAAS_HOST_ID,
  PRAAS_S3_ENDPOINT + PRAAS_S3_ACCESS_KEY + PRAAS_S3_SECRET_KEY [+ PRAAS_S3_BUCKET] or PRAAS_SWAP_DIR,
  PRAAS_HEALTH_PORT (serves GET /healthz), PRAAS_HEARTBEAT_MS, PRAAS_HOST_STALE_MS, PRAAS_MEMORY_BUDGET_BYTES,
  PRAAS_DATA_PLANE (direct | nats; default direct), PRAAS_DATA_PORT, PRAAS_ADVERTISE_ADDR (host[:port] | auto),
  PRAAS_DATA_BIND`;

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
 * one application on NATS, swapping to S3 or a directory. Prints one ready line; on SIGTERM or
 * SIGINT swaps every process out and resolves with 0. With PRAAS_HEALTH_PORT it answers
 * `GET /healthz` (200 while serving) for container health checks and Kubernetes probes.
 * @returns the exit code: 0 after a signal, 2 for bad arguments, 1 when the host could not start or stop.
 */
export async function runHost(options: RunHostOptions = {}): Promise<number> {
  const out = options.out ?? ((line: string) => console.log(line));
  const err = options.err ?? ((line: string) => console.error(line));
  let env: NodeJS.ProcessEnv;
  try {
    env = flagsToEnv(options.argv ?? [], options.env ?? process.env);
  } catch (e) {
    err(e instanceof Error ? e.message : String(e));
    return 2;
  }
  let host: RuntimeHost;
  let transport: NatsTransport;
  let registry: NatsKvRegistry;
  let health: Server | undefined;
  // Listening from the start: a host still waiting for its first deployment stops on a signal too.
  let stopRequested = false;
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
    const processes = config.modulePath === undefined ? undefined : loadProcessClasses(config.modulePath);
    const store = swapStoreFromEnv(env);
    transport = await NatsTransport.connect({
      servers: config.natsUrl.split(','),
      name: `praas-host-${config.hostId ?? config.app}`,
    });
    registry = await NatsKvRegistry.open(transport.connection);
    const hostId = config.hostId ?? `host-${newId().slice(0, 8)}`;
    if (
      processes === undefined &&
      !(await waitForDeployment(registry, config.app, hostId, config, out, () => stopRequested))
    ) {
      unlisten();
      await registry.close();
      await transport.close();
      return 0;
    }
    host = new RuntimeHost({
      app: config.app,
      ...(processes === undefined
        ? { code: new BundleLoader({ app: config.app, store, cacheDir: config.codeDir }), log: out }
        : { processes }),
      transport,
      registry,
      store,
      hostId,
      ...(config.heartbeatMs === undefined ? {} : { heartbeatMs: config.heartbeatMs }),
      ...(config.hostStaleMs === undefined ? {} : { hostStaleMs: config.hostStaleMs }),
      ...(config.memoryBudgetBytes === undefined ? {} : { memoryBudgetBytes: config.memoryBudgetBytes }),
      dataPlane: config.dataPlane,
      ...(processes === undefined ? {} : { log: err }),
    });
    await host.start();
    const healthPort = env['PRAAS_HEALTH_PORT']?.trim();
    if (healthPort) health = await serveHealth(Number(healthPort), () => !transport.connection.isClosed());
    const version = host.codeVersion === undefined ? '' : ` (code version ${host.codeVersion})`;
    const plane = host.dataAddress === undefined ? 'data plane nats' : `direct data plane on ${host.dataAddress}`;
    out(`praas host ${host.id} serving ${host.app} on ${config.natsUrl}${version}, ${plane}`);
  } catch (e) {
    err(`praas host failed to start: ${e instanceof Error ? e.message : String(e)}`);
    unlisten();
    return 1;
  }
  await stopped;
  unlisten();
  try {
    health?.close();
    await host.stop({ swapOut: true });
    await registry.close();
    await transport.close();
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

function serveHealth(port: number, healthy: () => boolean): Promise<Server> {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    return Promise.reject(new Error(`PRAAS_HEALTH_PORT must be a port number, got '${port}'`));
  }
  const server = createServer((req, res) => {
    const ok = req.url === '/healthz' && healthy();
    res.writeHead(req.url === '/healthz' ? (ok ? 200 : 503) : 404, { 'content-type': 'text/plain' });
    res.end(req.url === '/healthz' ? (ok ? 'ok\n' : 'nats disconnected\n') : 'not found\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}
