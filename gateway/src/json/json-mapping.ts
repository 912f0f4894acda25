import { DecodeError, InvalidArgumentError } from '@praas/framework/internal';

/** Deepest nesting of a JSON argument the gateway accepts (deeper values would exhaust the encoder's stack). */
export const MAX_JSON_DEPTH = 128;

/**
 * Turns a value a process function returned (decoded from the binary codec) into one JSON can
 * carry, for REST responses and gRPC payloads alike:
 *
 * | value | JSON |
 * |---|---|
 * | `undefined` (top level) | no body (REST 204, gRPC empty payload) — handled by the caller |
 * | `undefined` in an object / array | property omitted / `null` (as `JSON.stringify`) |
 * | `NaN`, `±Infinity` | `null` (as `JSON.stringify`) |
 * | `-0` | `0` (as `JSON.stringify`; JSON has no negative zero) |
 * | holes of a sparse array | `null` (as `JSON.stringify`) |
 * | `bigint` | decimal string, e.g. `"12345678901234567890"` |
 * | `Date` | ISO 8601 string (`toISOString`); an invalid Date → `null` |
 * | `Uint8Array`, `Buffer`, `ArrayBuffer`, `DataView` | base64 string of the bytes |
 * | other typed arrays (`Float64Array`, `Int32Array`, ...) | array of numbers |
 * | `BigInt64Array`, `BigUint64Array` | array of decimal strings |
 * | `Map` | array of `[key, value]` pairs (keys need not be strings; `new Map(json)` rebuilds it) |
 * | `Set` | array of its values |
 * | class instances | their own enumerable fields (a `toJSON` method is honoured) |
 */
export function toJsonValue(value: unknown): unknown {
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'string':
    case 'boolean':
      return value;
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return null;
  const o = value as object;
  if (o instanceof Date) return Number.isNaN(o.getTime()) ? null : o.toISOString();
  if (o instanceof ArrayBuffer) return Buffer.from(o).toString('base64');
  if (ArrayBuffer.isView(o)) {
    if (o instanceof Uint8Array || o instanceof DataView)
      return Buffer.from(o.buffer, o.byteOffset, o.byteLength).toString('base64');
    if (o instanceof BigInt64Array || o instanceof BigUint64Array) return Array.from(o, (v) => v.toString());
    return Array.from(o as unknown as ArrayLike<number>, (v) => (Number.isFinite(v) ? v : null));
  }
  if (o instanceof Map) return Array.from(o, ([k, v]) => [toJsonValue(k) ?? null, toJsonValue(v) ?? null]);
  if (o instanceof Set) return Array.from(o, (v) => toJsonValue(v) ?? null);
  if (Array.isArray(o)) return o.map((v) => toJsonValue(v) ?? null);
  const withToJson = o as { toJSON?: unknown };
  if (typeof withToJson.toJSON === 'function') return toJsonValue((withToJson.toJSON as () => unknown).call(o));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    const mapped = toJsonValue(v);
    if (mapped !== undefined) out[k] = mapped;
  }
  return out;
}

/** The JSON text of a result, per the mapping of `toJsonValue`; undefined when there is no result. */
export function stringifyResult(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return JSON.stringify(toJsonValue(value) ?? null);
}

/**
 * Parses JSON text from a client and checks its nesting depth without recursion.
 * @throws DecodeError (DECODE_FAILED) when the text is not JSON; InvalidArgumentError when it nests too deep.
 */
export function parseJson(text: string, what: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new DecodeError(what, `not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > MAX_JSON_DEPTH)
      throw new InvalidArgumentError(`${what} nests deeper than ${MAX_JSON_DEPTH} levels`, {
        what,
        maxDepth: MAX_JSON_DEPTH,
      });
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return value;
}
