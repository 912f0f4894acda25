import { InvalidArgumentError } from '../errors';

/** How the gateway, the runtime hosts and the CLI reach NATS, and how JetStream keeps their data. */
export interface NatsConfig {
  /** The seed URLs: one server, or several nodes of a cluster; a client connects to any and follows the others. */
  readonly servers: readonly string[];
  /**
   * JetStream replicas of the registry's KV buckets and the backup streams (1, 3 or 5; default 1).
   * With 3 on a cluster of three nodes, losing any one node loses nothing and stops nothing.
   */
  readonly replicas: number;
  /** `PRAAS_NATS_USER` and `PRAAS_NATS_PASSWORD`: the user this component connects as (none: no authentication). */
  readonly user?: string;
  readonly password?: string;
}

/** Most replicas JetStream allows for a stream. */
const MAX_REPLICAS = 5;

/**
 * Splits a comma-separated list of NATS URLs (`nats://a:4222,nats://b:4222`) into seed URLs.
 * @throws InvalidArgumentError when the list is empty or an entry is blank or not a URL.
 */
export function parseNatsServers(text: string, variable = 'PRAAS_NATS_URL'): string[] {
  const servers = text.split(',').map((s) => s.trim());
  for (const server of servers) {
    if (!/^(nats|tls|wss?):\/\/\S+$/.test(server) && !/^[^\s/:]+:\d+$/.test(server)) {
      throw new InvalidArgumentError(
        `${variable} must be NATS URLs separated by commas, e.g. nats://n1:4222,nats://n2:4222; got ${JSON.stringify(text)}`,
        { variable },
      );
    }
  }
  return servers;
}

/**
 * Checks a JetStream replica count: a whole number from 1 to 5.
 * @throws InvalidArgumentError naming `what` otherwise.
 */
export function validateReplicas(replicas: unknown, what = 'replicas'): number {
  if (!(typeof replicas === 'number' && Number.isSafeInteger(replicas) && replicas >= 1 && replicas <= MAX_REPLICAS)) {
    throw new InvalidArgumentError(
      `${what} must be a whole number from 1 to ${MAX_REPLICAS}, got '${String(replicas)}'`,
      {
        [what]: replicas,
      },
    );
  }
  return replicas;
}

/**
 * Reads the NATS settings every component takes from its environment: PRAAS_NATS_URL (required;
 * comma-separated seed URLs of a cluster), PRAAS_NATS_REPLICAS (default 1), PRAAS_NATS_USER and
 * PRAAS_NATS_PASSWORD (both or neither).
 * @throws InvalidArgumentError naming the variable that is missing or wrong.
 */
export function natsConfigFromEnv(env: Readonly<Record<string, string | undefined>>): NatsConfig {
  const url = env['PRAAS_NATS_URL']?.trim();
  if (!url) {
    throw new InvalidArgumentError('set PRAAS_NATS_URL to the NATS server, e.g. nats://127.0.0.1:4222', {
      variable: 'PRAAS_NATS_URL',
    });
  }
  const raw = env['PRAAS_NATS_REPLICAS']?.trim();
  const replicas = raw ? validateReplicas(/^\d+$/.test(raw) ? Number(raw) : raw, 'PRAAS_NATS_REPLICAS') : 1;
  const user = env['PRAAS_NATS_USER']?.trim() || undefined;
  const password = env['PRAAS_NATS_PASSWORD'] || undefined;
  if ((user === undefined) !== (password === undefined)) {
    const missing = user === undefined ? 'PRAAS_NATS_USER' : 'PRAAS_NATS_PASSWORD';
    throw new InvalidArgumentError(`PRAAS_NATS_USER and PRAAS_NATS_PASSWORD go together; ${missing} is not set`, {
      variable: missing,
    });
  }
  return { servers: parseNatsServers(url), replicas, ...(user && password ? { user, password } : {}) };
}

/**
 * The NATS settings of a component with its user: PRAAS_NATS_USER and PRAAS_NATS_PASSWORD when
 * set, else, given the master secret PRAAS_NATS_SECRET, the credentials `derive` makes of it (what
 * the compose stack does; a component holding the master could derive any user's password).
 * @throws InvalidArgumentError naming the variable that is missing or wrong.
 */
export function natsConfigWithUser(
  env: Readonly<Record<string, string | undefined>>,
  derive: (secret: string) => { user: string; password: string },
): NatsConfig {
  const config = natsConfigFromEnv(env);
  const master = env['PRAAS_NATS_SECRET'];
  if (config.user !== undefined || !master) return config;
  const { user, password } = derive(master);
  return { ...config, user, password };
}
