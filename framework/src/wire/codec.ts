import { plainToInstance } from 'class-transformer';
import { addExtension, Packr } from 'msgpackr';
import { DecodeError, EncodeError } from '../errors';
import type { Constructor } from '../metadata/metadata-store';

/*
 * The binary codec: msgpackr carries Date, Map, Set, bigint (any size), Buffer and every typed array
 * natively and as bytes. Records keep plain objects apart from Maps. class-transformer restores
 * class instances (and nested `@Type` classes) on decode; the built-ins it would mangle (Map, Set,
 * typed arrays) and the holes of sparse arrays are shielded from it and put back unchanged.
 *
 * Two things msgpack alone would change are kept exact: -0 (msgpackr writes it as the integer 0)
 * and the holes of sparse arrays (it writes them as undefined). The walk that checks a value
 * before encoding swaps them for two markers, copying only the containers on the way to one, and
 * the markers travel as extensions that decode straight back to -0 and to an array with holes.
 */

/** Stands for -0 while a value is encoded. */
class NegativeZero {}
const NEGATIVE_ZERO = new NegativeZero();

/** Stands for an array with holes while it is encoded: its length and the indices and values it has. */
class SparseArray {
  constructor(
    readonly length: number,
    readonly indices: number[],
    readonly values: unknown[],
  ) {}
}

// msgpackr's extension registry is per module, not per Packr: these type codes are unused by its built-ins.
addExtension({ Class: NegativeZero, type: 0x2d, write: () => 0, read: () => -0 });
addExtension({
  Class: SparseArray,
  type: 0x68,
  write: (a: SparseArray) => [a.length, a.indices, a.values],
  read: (data: unknown) => {
    // Bytes may come from outside (a gateway client): only an array length and indices inside it are taken.
    const [length, indices, values] = Array.isArray(data) ? (data as unknown[]) : [];
    if (!Number.isSafeInteger(length) || (length as number) < 0 || (length as number) > 2 ** 32 - 1)
      throw new Error('a sparse array needs a valid array length');
    if (!Array.isArray(indices) || !Array.isArray(values) || indices.length !== values.length)
      throw new Error('a sparse array needs as many indices as values');
    const out = new Array<unknown>(length as number);
    indices.forEach((index: unknown, i) => {
      if (!Number.isSafeInteger(index) || (index as number) < 0 || (index as number) >= (length as number))
        throw new Error(`a sparse array index must be an integer below its length, got ${String(index)}`);
      out[index as number] = values[i];
    });
    return out;
  },
});

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
 * True for objects msgpackr writes as a record of their own enumerable properties (plain objects
 * and class instances), which may then be encoded from a plain copy.
 */
function isRecordLike(o: object): boolean {
  const proto: unknown = Object.getPrototypeOf(o);
  if (proto === Object.prototype || proto === null) return true;
  return !(o instanceof Error || o instanceof RegExp) && typeof (o as { toJSON?: unknown }).toJSON !== 'function';
}

/** Called for every class instance (an object that is not plain and not a built-in) an encode walk meets. */
export type ClassInstanceVisitor = (path: string, instance: object) => void;

/**
 * The walk behind `assertEncodable` and `encode`: checks `value`, and returns it with -0 and
 * sparse arrays replaced by their markers (the same reference when it has none).
 */
function prepare(value: unknown, path: string, onClassInstance?: ClassInstanceVisitor): unknown {
  const ancestors = new Set<object>();
  const visit = (v: unknown, at: string): unknown => {
    if (v === null || v === undefined) return v;
    const t = typeof v;
    if (t === 'number') return v === 0 && 1 / (v as number) < 0 ? NEGATIVE_ZERO : v;
    if (t === 'function' || t === 'symbol') throw new EncodeError(at, `${describe(v)} cannot be encoded`);
    if (t !== 'object') return v;
    const o = v;
    if (isBinary(o) || o instanceof Date) return o;
    if (o instanceof Promise || o instanceof WeakMap || o instanceof WeakSet) {
      throw new EncodeError(at, `a ${o.constructor.name} cannot be encoded; await or unwrap it first`);
    }
    if (ancestors.has(o))
      throw new EncodeError(at, 'the value contains a cycle (an object that refers back to itself)');
    ancestors.add(o);
    let out: unknown = o;
    if (Array.isArray(o)) {
      let copy: unknown[] | undefined;
      let present = 0;
      o.forEach((item: unknown, i) => {
        present++;
        const x = visit(item, `${at}[${i}]`);
        if (x !== item) copy ??= o.slice();
        if (copy) copy[i] = x;
      });
      const items = copy ?? o;
      if (present < o.length) {
        const indices: number[] = [];
        const values: unknown[] = [];
        items.forEach((item, i) => (indices.push(i), values.push(item)));
        out = new SparseArray(o.length, indices, values);
      } else out = items;
    } else if (o instanceof Map) {
      let copy: Map<unknown, unknown> | undefined;
      let i = 0;
      for (const [k, item] of o) {
        const nk = visit(k, `${at}<key>`);
        const nv = visit(item, `${at}.get(${String(k)})`);
        if (!copy && (nk !== k || nv !== item)) copy = new Map([...o].slice(0, i));
        copy?.set(nk, nv);
        i++;
      }
      out = copy ?? o;
    } else if (o instanceof Set) {
      let copy: Set<unknown> | undefined;
      let i = 0;
      for (const item of o) {
        const x = visit(item, `${at}<set item ${i}>`);
        if (!copy && x !== item) copy = new Set([...o].slice(0, i));
        copy?.add(x);
        i++;
      }
      out = copy ?? o;
    } else {
      const proto: unknown = Object.getPrototypeOf(o);
      if (onClassInstance && proto !== Object.prototype && proto !== null && !(o instanceof Error)) {
        onClassInstance(at, o);
      }
      const record = o as Record<string, unknown>;
      let copy: Record<string, unknown> | undefined;
      for (const k of Object.keys(record)) {
        const x = visit(record[k], `${at}.${k}`);
        if (x !== record[k] && !copy && isRecordLike(o)) copy = { ...record };
        if (copy) copy[k] = x;
      }
      out = copy ?? o;
    }
    ancestors.delete(o);
    return out;
  };
  return visit(value, path);
}

/**
 * Checks that `value` can be encoded, and throws EncodeError with the path of the first offending
 * part: functions, symbols, cycles, and objects such as Promises, WeakMaps or class instances with
 * native slots that would silently lose their contents. `onClassInstance` is told about every class
 * instance in it, with its path (e.g. to tell which will need a type to come back as one).
 */
export function assertEncodable(value: unknown, path: string, onClassInstance?: ClassInstanceVisitor): void {
  prepare(value, path, onClassInstance);
}

/**
 * Encodes a value; `path` names it in errors (e.g. `state key 'cart'`, `field Trainer.model`).
 * `onClassInstance` is told about every class instance met on the way (see `assertEncodable`).
 */
export function encode(value: unknown, path = 'value', onClassInstance?: ClassInstanceVisitor): Uint8Array {
  const exact = prepare(value, path, onClassInstance);
  try {
    return packr.pack(exact);
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
export function encodeParts(
  value: unknown,
  path = 'value',
  options: { copy: boolean; onClassInstance?: ClassInstanceVisitor },
): Uint8Array[] {
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
  return [encode(value, path, options.onClassInstance)];
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
  // class-transformer rebuilds arrays with push, which would close up holes: they wait as a marker.
  const hole = `${marker}hole`;
  const shield = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (v instanceof Map || v instanceof Set || isBinary(v)) {
      shielded.push(v);
      return marker + String(shielded.length - 1);
    }
    if (Array.isArray(v)) return Array.from({ length: v.length }, (_, i) => (i in v ? shield(v[i]) : hole));
    if (v instanceof Date) return v;
    const out: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(v)) out[k] = shield(item);
    return out;
  };
  const unshield = (v: unknown, seen: Set<object>): unknown => {
    if (typeof v === 'string' && v.startsWith(marker)) return shielded[Number(v.slice(marker.length))];
    if (v === null || typeof v !== 'object' || v instanceof Date || seen.has(v)) return v;
    seen.add(v);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        if (v[i] === hole)
          Reflect.deleteProperty(v, i); // back to a hole, not undefined
        else v[i] = unshield(v[i], seen);
      }
    } else
      for (const k of Object.keys(v))
        (v as Record<string, unknown>)[k] = unshield((v as Record<string, unknown>)[k], seen);
    return v;
  };
  return unshield(plainToInstance(type, shield(plain)), new Set());
}
