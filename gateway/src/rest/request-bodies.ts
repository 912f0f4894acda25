import {
  InvalidArgumentError,
  validateName,
  type ClientInvokeOptions,
  type CreateProcessOptions,
  type DeployOptions,
  type UpgradePolicy,
} from '@praas/framework/internal';
import { checkQueryParameters } from '../records/query-parameters';

/** Longest invocation timeout a client may ask for: 15 minutes. */
export const MAX_TIMEOUT_MS = 15 * 60_000;

function objectBody(value: unknown, what: string, allowed: readonly string[]): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new InvalidArgumentError(`${what} must be a JSON object`, { what });
  const o = value as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !allowed.includes(k));
  if (unknown.length)
    throw new InvalidArgumentError(`${what} has unknown fields ${unknown.join(', ')}; allowed: ${allowed.join(', ')}`, {
      what,
      unknown,
      allowed: [...allowed],
    });
  return o;
}

function optionalString(o: Record<string, unknown>, key: string, what: string): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new InvalidArgumentError(`${what}: '${key}' must be a string`, { field: key });
  return v;
}

/** `POST /v1/apps` body: `{ name, processClasses? }`. */
export function createAppBody(value: unknown): { name: string; processClasses?: string[] } {
  if (value === undefined) throw new InvalidArgumentError('create application needs a body { "name": ... }');
  const o = objectBody(value, 'create application body', ['name', 'processClasses']);
  const name = optionalString(o, 'name', 'create application body');
  if (name === undefined) throw new InvalidArgumentError("create application body: 'name' is required");
  const classes = o['processClasses'];
  if (classes === undefined) return { name };
  if (!Array.isArray(classes) || classes.some((c) => typeof c !== 'string'))
    throw new InvalidArgumentError("create application body: 'processClasses' must be an array of strings");
  return { name, processClasses: classes as string[] };
}

/**
 * `POST /v1/apps/{app}/processes` body: `{ class?, pid?, resources? }`. Processes of one
 * application share their runtime hosts, so per-process resources cannot be honoured yet; a
 * request that asks for any is refused rather than silently ignored.
 */
export function createProcessBody(value: unknown): CreateProcessOptions {
  const o = objectBody(value, 'create process body', ['class', 'pid', 'resources']);
  const processClass = optionalString(o, 'class', 'create process body');
  const pid = optionalString(o, 'pid', 'create process body');
  const resources = o['resources'];
  if (resources !== undefined && resources !== null) {
    if (typeof resources !== 'object' || Array.isArray(resources))
      throw new InvalidArgumentError("create process body: 'resources' must be an object");
    if (Object.keys(resources).length)
      throw new InvalidArgumentError(
        "create process body: per-process 'resources' are not supported; processes share their application's runtime hosts",
        { resources: Object.keys(resources) },
      );
  }
  return { ...(processClass === undefined ? {} : { processClass }), ...(pid === undefined ? {} : { pid }) };
}

/** `POST /v1/apps/{app}/processes/{pid}/messages` body: `{ key, data }`. */
export function sendMessageBody(value: unknown): { key: string | number; data: unknown } {
  if (value === undefined) throw new InvalidArgumentError('send message needs a body { "key": ..., "data": ... }');
  const o = objectBody(value, 'send message body', ['key', 'data']);
  const key = o['key'];
  if (typeof key !== 'string' && typeof key !== 'number')
    throw new InvalidArgumentError("send message body: 'key' must be a string or an integer");
  return { key, data: o['data'] };
}

/** Parses a timeout in milliseconds from a query parameter or a gRPC field. */
export function parseTimeoutMs(raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_TIMEOUT_MS)
    throw new InvalidArgumentError(`timeoutMs must be an integer from 1 to ${MAX_TIMEOUT_MS}`, { timeoutMs: raw });
  return n;
}

const INVOKE_PARAMETERS = ['pid', 'class', 'key', 'timeoutMs'];

/**
 * Invoke options from the query (`pid`, `class`, `key`, `timeoutMs`), the `Praas-Process` header
 * and the `Idempotency-Key` header. Header and `?pid=` may both be given only when they agree.
 */
export function invokeOptions(
  query: URLSearchParams,
  header: string | string[] | undefined,
  idempotencyKey?: string | string[],
): ClientInvokeOptions {
  if (Array.isArray(idempotencyKey))
    throw new InvalidArgumentError('the Idempotency-Key header is given more than once');
  checkQueryParameters(query, 'invoke', INVOKE_PARAMETERS);
  if (Array.isArray(header)) throw new InvalidArgumentError('the Praas-Process header is given more than once');
  const fromQuery = query.get('pid') ?? undefined;
  if (fromQuery !== undefined && header !== undefined && fromQuery !== header)
    throw new InvalidArgumentError(`the Praas-Process header ('${header}') and ?pid= ('${fromQuery}') disagree`);
  const pid = fromQuery ?? header;
  const processClass = query.get('class') ?? undefined;
  const key = query.get('key') ?? undefined;
  const timeout = query.get('timeoutMs');
  return {
    ...(pid === undefined ? {} : { pid }),
    ...(processClass === undefined ? {} : { processClass }),
    ...(key === undefined ? {} : { key }),
    ...(timeout === null ? {} : { timeoutMs: parseTimeoutMs(timeout) }),
    ...(idempotencyKey === undefined ? {} : { idempotencyKey: validateName('idempotency key', idempotencyKey) }),
  };
}

/**
 * The resume point of a watch from the `Last-Event-ID` header: the revision of the last event the
 * client saw. Absent or empty: none (the stream starts with a snapshot).
 */
export function lastEventId(header: string | string[] | undefined): number | undefined {
  if (Array.isArray(header)) throw new InvalidArgumentError('the Last-Event-ID header is given more than once');
  if (header === undefined || header.trim() === '') return undefined;
  const text = header.trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError(
      `Last-Event-ID must be the id of an event of this stream (a revision, a whole number), got '${header}'`,
      { lastEventId: header },
    );
  return n;
}

const DEPLOY_PARAMETERS = ['upgrade', 'wave'];

/**
 * The options of a deploy from its query (`?upgrade=rolling&wave=16`); the control plane checks
 * their values.
 * @throws InvalidArgumentError for an unknown or repeated parameter, or a wave that is not a number.
 */
export function deployOptions(query: URLSearchParams): DeployOptions {
  checkQueryParameters(query, 'deploy', DEPLOY_PARAMETERS);
  const upgrade = query.get('upgrade');
  const wave = query.get('wave');
  if (wave !== null && !/^\d+$/.test(wave))
    throw new InvalidArgumentError(`query parameter 'wave' must be a whole number, got '${wave}'`, { wave });
  return {
    ...(upgrade === null ? {} : { upgrade: upgrade as UpgradePolicy }),
    ...(wave === null ? {} : { wave: Number(wave) }),
  };
}
