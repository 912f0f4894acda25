import { networkInterfaces, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  advertisedAddress,
  appDataSecret,
  InvalidArgumentError,
  natsConfigWithUser,
  appNatsCredentials,
  validateName,
  type NatsConfig,
} from '@praas/framework/internal';
import type { DataPlaneOption } from '../host/host-data-plane';

/** What a runtime host OS process needs to know, read from its environment. */
export interface HostConfig {
  /** `PRAAS_NATS_URL`: the NATS server (comma-separated URLs for a cluster). */
  readonly natsUrl: string;
  /** The seed URLs of {@link natsUrl}, and `PRAAS_NATS_REPLICAS` (default 1): JetStream replicas of the registry and backup queues. */
  readonly nats: NatsConfig;
  /** `PRAAS_APP`: the application the host serves. */
  readonly app: string;
  /** `PRAAS_HOST_ID`: stable id of the host; generated when unset. */
  readonly hostId?: string;
  /**
   * `PRAAS_MODULE`: absolute path of the compiled JS module whose exported `@Process` classes the
   * host runs. Without it the host runs the code deployed with `praas-framework deploy --gateway`.
   */
  readonly modulePath?: string;
  /** `PRAAS_CODE_DIR`: where deployed code is unpacked (default `<tmp>/praas-code`). */
  readonly codeDir: string;
  /** `PRAAS_HEARTBEAT_MS`: interval of the host's heartbeats (default 2 000). */
  readonly heartbeatMs?: number;
  /** `PRAAS_HOST_STALE_MS`: after this long without a heartbeat another host takes a process over (default 10 000). */
  readonly hostStaleMs?: number;
  /** `PRAAS_MEMORY_BUDGET_BYTES`: above this, the down-scaling policy swaps this host's processes out. */
  readonly memoryBudgetBytes?: number;
  /**
   * `PRAAS_TIMER_CLOCK_OFFSET_MS`: the timers' clock runs this many ms ahead of (negative: behind)
   * the system clock, so a test can run a cron schedule at a chosen wall-clock time. All hosts of an
   * application must share it. Default 0.
   */
  readonly timerClockOffsetMs?: number;
  /** `PRAAS_TIMER_RETRY_MS`: backoff before the first retry of a failed timer firing, doubling (default 1 000). */
  readonly timerRetryMs?: number;
  /**
   * `PRAAS_DATA_PLANE` (`direct`, the default, or `nats`) with, for `direct`, `PRAAS_DATA_PORT`
   * (default a free port), `PRAAS_ADVERTISE_ADDR` (the `host` or `host:port` other hosts dial, e.g.
   * a pod IP; `auto` takes this machine's first non-loopback IPv4 address; default the loopback
   * address bound) and `PRAAS_DATA_BIND` (the interface bound; default `0.0.0.0` when an address is
   * advertised, else `127.0.0.1`).
   */
  readonly dataPlane: DataPlaneOption;
}

function optionalPositive(env: Env, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidArgumentError(`${name} must be a positive whole number, got '${raw}'`, { variable: name });
  }
  return value;
}

function optionalInteger(env: Env, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) {
    throw new InvalidArgumentError(`${name} must be a whole number of milliseconds, got '${raw}'`, { variable: name });
  }
  return value;
}

type Env = Readonly<Record<string, string | undefined>>;

function required(env: Env, name: string, meaning: string): string {
  const value = env[name]?.trim();
  if (!value) throw new InvalidArgumentError(`set ${name} to ${meaning}`, { variable: name });
  return value;
}

/**
 * Reads the host's configuration from environment variables.
 * @throws InvalidArgumentError naming the variable that is missing or wrong.
 */
export function readHostConfig(env: Env): HostConfig {
  const natsUrl = required(env, 'PRAAS_NATS_URL', 'the NATS server URL, e.g. nats://127.0.0.1:4222');
  const app = validateName('application', required(env, 'PRAAS_APP', 'the application this host serves'));
  const nats = natsConfigWithUser(env, (secret) => appNatsCredentials({ secret }, app));
  const hostId = env['PRAAS_HOST_ID']?.trim() ? validateName('host id', env['PRAAS_HOST_ID'].trim()) : undefined;
  const module = env['PRAAS_MODULE']?.trim();
  const modulePath = module ? resolve(module) : undefined;
  const codeDir = resolve(env['PRAAS_CODE_DIR']?.trim() || join(tmpdir(), 'praas-code'));
  const heartbeatMs = optionalPositive(env, 'PRAAS_HEARTBEAT_MS');
  const hostStaleMs = optionalPositive(env, 'PRAAS_HOST_STALE_MS');
  const memoryBudgetBytes = optionalPositive(env, 'PRAAS_MEMORY_BUDGET_BYTES');
  const timerClockOffsetMs = optionalInteger(env, 'PRAAS_TIMER_CLOCK_OFFSET_MS');
  const timerRetryMs = optionalPositive(env, 'PRAAS_TIMER_RETRY_MS');
  const dataPlane = readDataPlane(env, app);
  return {
    dataPlane,
    natsUrl,
    nats,
    app,
    codeDir,
    ...(modulePath === undefined ? {} : { modulePath }),
    ...(hostId === undefined ? {} : { hostId }),
    ...(heartbeatMs === undefined ? {} : { heartbeatMs }),
    ...(hostStaleMs === undefined ? {} : { hostStaleMs }),
    ...(memoryBudgetBytes === undefined ? {} : { memoryBudgetBytes }),
    ...(timerClockOffsetMs === undefined ? {} : { timerClockOffsetMs }),
    ...(timerRetryMs === undefined ? {} : { timerRetryMs }),
  };
}

/**
 * The application's data-plane secret: `PRAAS_APP_SECRET` (as `praas-framework gateway token
 * app-secret` prints it, derived for this application), else derived here from the master
 * `PRAAS_DATA_SECRET` (a host holding the master could prove itself for any application).
 */
function readSecret(env: Env, app: string): Uint8Array | undefined {
  const own = env['PRAAS_APP_SECRET']?.trim();
  if (own) return Buffer.from(own, 'utf8');
  const master = env['PRAAS_DATA_SECRET']?.trim();
  return master ? Buffer.from(appDataSecret(master, app), 'utf8') : undefined;
}

function readDataPlane(env: Env, app: string): DataPlaneOption {
  const kind = env['PRAAS_DATA_PLANE']?.trim() || 'direct';
  if (kind === 'nats') return 'nats';
  if (kind !== 'direct') {
    throw new InvalidArgumentError(`PRAAS_DATA_PLANE must be 'direct' or 'nats', got '${kind}'`, {
      variable: 'PRAAS_DATA_PLANE',
    });
  }
  const rawPort = env['PRAAS_DATA_PORT']?.trim();
  const port = rawPort ? Number(rawPort) : 0;
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new InvalidArgumentError(`PRAAS_DATA_PORT must be a port number (0 picks a free one), got '${rawPort}'`, {
      variable: 'PRAAS_DATA_PORT',
    });
  }
  let advertise = env['PRAAS_ADVERTISE_ADDR']?.trim() || undefined;
  if (advertise === 'auto') advertise = firstExternalAddress();
  // A bare host takes the bound port; check the form now, not when the first peer dials.
  if (advertise !== undefined) advertisedAddress(advertise, 1, 'PRAAS_ADVERTISE_ADDR');
  const bindHost = env['PRAAS_DATA_BIND']?.trim() || (advertise === undefined ? '127.0.0.1' : '0.0.0.0');
  const secret = readSecret(env, app);
  return {
    kind: 'direct',
    port,
    bindHost,
    ...(secret === undefined ? {} : { secret }),
    ...(advertise === undefined ? {} : { advertise }),
  };
}

/** This machine's first IPv4 address that is not a loopback one (a container's or pod's address). */
function firstExternalAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  throw new InvalidArgumentError(
    'PRAAS_ADVERTISE_ADDR=auto found no IPv4 address other than loopback; give the address to advertise',
    { variable: 'PRAAS_ADVERTISE_ADDR' },
  );
}
