import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, isProcessClass, validateName, type Constructor } from '@praas/framework';

/** What a runtime host OS process needs to know, read from its environment. */
export interface HostConfig {
  /** `PRAAS_NATS_URL`: the NATS server (comma-separated URLs for a cluster). */
  readonly natsUrl: string;
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
  const hostId = env['PRAAS_HOST_ID']?.trim() ? validateName('host id', env['PRAAS_HOST_ID'].trim()) : undefined;
  const module = env['PRAAS_MODULE']?.trim();
  const modulePath = module ? resolve(module) : undefined;
  const codeDir = resolve(env['PRAAS_CODE_DIR']?.trim() || join(tmpdir(), 'praas-code'));
  const heartbeatMs = optionalPositive(env, 'PRAAS_HEARTBEAT_MS');
  const hostStaleMs = optionalPositive(env, 'PRAAS_HOST_STALE_MS');
  const memoryBudgetBytes = optionalPositive(env, 'PRAAS_MEMORY_BUDGET_BYTES');
  return {
    natsUrl,
    app,
    codeDir,
    ...(modulePath === undefined ? {} : { modulePath }),
    ...(hostId === undefined ? {} : { hostId }),
    ...(heartbeatMs === undefined ? {} : { heartbeatMs }),
    ...(hostStaleMs === undefined ? {} : { hostStaleMs }),
    ...(memoryBudgetBytes === undefined ? {} : { memoryBudgetBytes }),
  };
}

/**
 * Loads a compiled CommonJS module and returns its exported `@Process` classes.
 * @param label what the module is, for messages (default `PRAAS_MODULE '<path>'`).
 * @throws InvalidArgumentError when the module cannot be loaded or exports no process class.
 */
export function loadProcessClasses(modulePath: string, label = `PRAAS_MODULE '${modulePath}'`): Constructor[] {
  let exported: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module is only known at run time
    exported = require(modulePath);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new InvalidArgumentError(`cannot load ${label}: ${reason}`, { modulePath });
  }
  const classes = Object.values((exported ?? {}) as Record<string, unknown>).filter(isProcessClass);
  if (classes.length === 0) {
    throw new InvalidArgumentError(`${label} exports no class decorated with @Process`, { modulePath });
  }
  return classes;
}
