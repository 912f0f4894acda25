import { plainToInstance } from 'class-transformer';
import { Packr } from 'msgpackr';
import { DecodeError, EncodeError } from '../errors';
import type { Constructor } from '../metadata/metadata-store';

/*
 * The binary codec: msgpackr carries Date, Map, Set, bigint (any size), Buffer and every typed array
 * natively and as bytes. Records keep plain objects apart from Maps. class-transformer restores
 * class instances (and nested `@Type` classes) on decode; the built-ins it would mangle (Map, Set,
 * typed arrays) are shielded from it and put back unchanged.
 */
const packr = new Packr({ useRecords: true, mapsAsObjects: false, moreTypes: true });

function describe(value: unknown): string {
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  if (typeof value === 'symbol') return `a symbol (${value.toString()})`;
  return typeof value;
}

function isBinary(value: object): boolean {
  return ArrayBuffer.isView(value) || value instanceof ArrayBuffer;
}

/**
 * Checks that `value` can be encoded, and throws EncodeError with the path of the first offending
 * part: functions, symbols, cycles, and objects such as Promises, WeakMaps or class instances with
 * native slots that would silently lose their contents.
 */
export function assertEncodable(value: unknown, path: string): void {
  const ancestors = new Set<object>();
  const visit = (v: unknown, at: string): void => {
    if (v === null || v === undefined) return;
    const t = typeof v;
    if (t === 'function' || t === 'symbol') throw new EncodeError(at, `${describe(v)} cannot be encoded`);
    if (t !== 'object') return;
    const o = v;
    if (isBinary(o) || o instanceof Date) return;
    if (o instanceof Promise || o instanceof WeakMap || o instanceof WeakSet) {
      throw new EncodeError(at, `a ${o.constructor.name} cannot be encoded; await or unwrap it first`);
    }
    if (ancestors.has(o))
      throw new EncodeError(at, 'the value contains a cycle (an object that refers back to itself)');
    ancestors.add(o);
    if (Array.isArray(o)) o.forEach((item, i) => visit(item, `${at}[${i}]`));
    else if (o instanceof Map)
      for (const [k, item] of o) {
        visit(k, `${at}<key>`);
        visit(item, `${at}.get(${String(k)})`);
      }
    else if (o instanceof Set) {
      let i = 0;
      for (const item of o) visit(item, `${at}<set item ${i++}>`);
    } else for (const k of Object.keys(o)) visit((o as Record<string, unknown>)[k], `${at}.${k}`);
    ancestors.delete(o);
  };
  visit(value, path);
}

/** Encodes a value; `path` names it in errors (e.g. `state key 'cart'`, `field Trainer.model`). */
export function encode(value: unknown, path = 'value'): Uint8Array {
  assertEncodable(value, path);
  try {
    return packr.pack(value);
  } catch (cause) {
    throw new EncodeError(path, cause instanceof Error ? cause.message : String(cause), cause);
  }
}

/** msgpackr's names for typed arrays, in the order of its type codes (extension 0x74 't'). */
const TYPED_ARRAY_CODES = [
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
];
/** Below this, one `encode` is as cheap as splitting; at and above it msgpackr uses its 32-bit extension header. */
const SPLIT_MIN_BYTES = 0x10000;

/**
 * Encodes a value into parts whose concatenation is exactly `encode(value, path)`. A large typed
 * array is not copied into the encoder's buffer: the parts are a 7-byte header and the array's own
 * bytes (a view with `copy: false`, so the caller must not let the array change until the parts
 * are written; a private copy with `copy: true`). Other values come back as one part.
 */
export function encodeParts(value: unknown, path = 'value', options: { copy: boolean }): Uint8Array[] {
  if (ArrayBuffer.isView(value) && !Buffer.isBuffer(value) && value.byteLength + 1 >= SPLIT_MIN_BYTES) {
    const code = TYPED_ARRAY_CODES.indexOf(value.constructor.name);
    // Only the built-in typed arrays themselves: subclasses and DataView take msgpackr's own path.
    if (code >= 0 && value.constructor === (globalThis as Record<string, unknown>)[value.constructor.name]) {
      const header = Buffer.alloc(7);
      header[0] = 0xc9; // ext 32
      header.writeUInt32BE(value.byteLength + 1, 1); // plus the typed-array code byte
      header[5] = 0x74; // 't': typed array
      header[6] = code;
      const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      return [header, options.copy ? bytes.slice() : bytes];
    }
  }
  return [encode(value, path)];
}

/** Decodes bytes from `encode`; with `type`, restores a class instance with its prototype. */
export function decode<T = unknown>(bytes: Uint8Array, what = 'value', type?: Constructor): T {
  let plain: unknown;
  try {
    plain = packr.unpack(bytes);
  } catch (cause) {
    throw new DecodeError(what, cause instanceof Error ? cause.message : String(cause), cause);
  }
  return (type ? revive(plain, type) : plain) as T;
}

/** Restores `plain` (as decoded) as an instance of `type`, honouring class-transformer's `@Type`. */
export function revive(plain: unknown, type: Constructor): unknown {
  if (plain === null || typeof plain !== 'object' || plain instanceof type) return plain;
  const shielded: unknown[] = [];
  const marker = `\u0000praas-shield:${Math.random().toString(36).slice(2)}:`;
  const shield = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (v instanceof Map || v instanceof Set || isBinary(v)) {
      shielded.push(v);
      return marker + String(shielded.length - 1);
    }
    if (Array.isArray(v)) return v.map(shield);
    if (v instanceof Date) return v;
    const out: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(v)) out[k] = shield(item);
    return out;
  };
  const unshield = (v: unknown, seen: Set<object>): unknown => {
    if (typeof v === 'string' && v.startsWith(marker)) return shielded[Number(v.slice(marker.length))];
    if (v === null || typeof v !== 'object' || v instanceof Date || seen.has(v)) return v;
    seen.add(v);
    if (Array.isArray(v)) for (let i = 0; i < v.length; i++) v[i] = unshield(v[i], seen);
    else
      for (const k of Object.keys(v))
        (v as Record<string, unknown>)[k] = unshield((v as Record<string, unknown>)[k], seen);
    return v;
  };
  return unshield(plainToInstance(type, shield(plain)), new Set());
}
