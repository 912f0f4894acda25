import { decode, InvalidArgumentError } from '@praas/framework/internal';
import { MAX_JSON_DEPTH } from '../json/json-mapping';

/**
 * The media type of the framework's binary codec (msgpackr with records and the codec's
 * extensions): what `PraasClient` speaks with the gateway for invoke arguments and results, so they
 * keep their types (Date, Map, bigint, typed arrays, -0, sparse arrays) as in the embedded API.
 */
export const MSGPACK_TYPE = 'application/msgpack';

/** Names of the msgpack media type in use, all taken as the codec's. */
const MSGPACK_NAMES: ReadonlySet<string> = new Set([MSGPACK_TYPE, 'application/x-msgpack', 'application/vnd.msgpack']);

function mediaType(value: string): string {
  return value.split(';', 1)[0]!.trim().toLowerCase();
}

/** True for `application/msgpack` (or `x-msgpack`, `vnd.msgpack`), with any parameters. */
export function isMsgpackContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && MSGPACK_NAMES.has(mediaType(contentType));
}

interface MediaRange {
  readonly type: string;
  readonly q: number;
}

function parseAccept(accept: string): MediaRange[] {
  return accept
    .split(',')
    .map((part) => {
      const [range = '', ...params] = part.split(';');
      let q = 1;
      for (const param of params) {
        const [name, value] = param.split('=').map((s) => s.trim());
        if (name?.toLowerCase() === 'q') {
          const n = Number(value);
          q = Number.isFinite(n) ? Math.min(Math.max(n, 0), 1) : 0;
        }
      }
      return { type: range.trim().toLowerCase(), q };
    })
    .filter((r) => r.type !== '');
}

/** The q the client gives a media type: that of the most specific range that matches it (RFC 9110 §12.5.1), 0 when none does. */
function qualityOf(ranges: readonly MediaRange[], names: ReadonlySet<string>): number {
  const topType = [...names][0]!.split('/')[0]!;
  const exact = ranges.filter((r) => names.has(r.type));
  if (exact.length) return Math.max(...exact.map((r) => r.q));
  const partial = ranges.filter((r) => r.type === `${topType}/*`);
  if (partial.length) return Math.max(...partial.map((r) => r.q));
  const any = ranges.filter((r) => r.type === '*/*');
  return any.length ? Math.max(...any.map((r) => r.q)) : 0;
}

/**
 * Whether an invoke result goes out as msgpack: when the `Accept` header rates it above JSON.
 * JSON stays the answer for everyone else (no header, `*∕*`, a tie, or types the gateway cannot
 * produce), so curl and browsers see what they always saw.
 */
export function prefersMsgpack(accept: string | undefined): boolean {
  if (!accept) return false;
  const ranges = parseAccept(accept);
  const msgpack = qualityOf(ranges, MSGPACK_NAMES);
  return msgpack > 0 && msgpack > qualityOf(ranges, new Set(['application/json']));
}

/**
 * The value of a msgpack body in the framework codec; `undefined` for an empty body. Nesting is
 * bounded as for JSON bodies, without recursion, so that encoding it again cannot exhaust the stack.
 * @throws DecodeError (400) when the bytes are not the codec's; InvalidArgumentError when they nest too deep.
 */
export function parseMsgpackBody(body: Buffer, what: string): unknown {
  if (body.length === 0) return undefined;
  const value = decode(body, what);
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) continue;
    if (depth > MAX_JSON_DEPTH)
      throw new InvalidArgumentError(`${what} nests deeper than ${MAX_JSON_DEPTH} levels`, {
        what,
        maxDepth: MAX_JSON_DEPTH,
      });
    const children = v instanceof Map ? [...v.keys(), ...v.values()] : v instanceof Set ? [...v] : Object.values(v);
    for (const child of children) stack.push([child, depth + 1]);
  }
  return value;
}
