/** Elements of a typed array spelled out before `…`. */
const TYPED_ITEMS = 16;
/** Nesting shown before `…`. */
const MAX_DEPTH = 8;

/**
 * Writes a decoded state value as JSON-like text for a person (the inspector): Maps, Sets, Dates,
 * typed arrays, bytes and bigints are spelled out, cycles marked, and writing stops once `maxChars`
 * is reached, so that a large value costs no more than its preview.
 * @returns the text (at most `maxChars` characters) and whether it was cut.
 */
export function previewValue(value: unknown, maxChars: number): { preview: string; truncated: boolean } {
  const out = new Writer(maxChars);
  write(value, out, 0, new Set());
  return { preview: out.text, truncated: out.full };
}

class Writer {
  text = '';
  full = false;
  constructor(private readonly max: number) {}
  add(s: string): boolean {
    if (this.full) return false;
    if (this.text.length + s.length > this.max) {
      this.text += s.slice(0, Math.max(0, this.max - this.text.length));
      this.full = true;
      return false;
    }
    this.text += s;
    return true;
  }
}

function write(value: unknown, out: Writer, depth: number, seen: Set<object>): void {
  if (out.full) return;
  if (value === null || value === undefined || typeof value === 'boolean' || typeof value === 'number') {
    out.add(String(value));
    return;
  }
  if (typeof value === 'string') {
    out.add(JSON.stringify(value));
    return;
  }
  if (typeof value === 'bigint') {
    out.add(`${value}n`);
    return;
  }
  if (typeof value !== 'object') {
    out.add(`<${typeof value}>`);
    return;
  }
  if (seen.has(value)) {
    out.add('[Circular]');
    return;
  }
  if (value instanceof Date) {
    out.add(Number.isNaN(value.getTime()) ? 'Date(invalid)' : `Date(${value.toISOString()})`);
    return;
  }
  if (ArrayBuffer.isView(value)) {
    writeBinary(value, out);
    return;
  }
  if (depth >= MAX_DEPTH) {
    out.add('…');
    return;
  }
  seen.add(value);
  if (value instanceof Map) {
    out.add(`Map(${value.size}) {`);
    let first = true;
    for (const [k, v] of value) {
      if (!out.add(first ? '' : ', ')) break;
      first = false;
      write(k, out, depth + 1, seen);
      out.add(' => ');
      write(v, out, depth + 1, seen);
    }
    out.add('}');
  } else if (value instanceof Set || Array.isArray(value)) {
    const items: unknown[] = Array.isArray(value) ? value : [...(value as Set<unknown>)];
    out.add(Array.isArray(value) ? '[' : `Set(${items.length}) [`);
    for (let i = 0; i < items.length && !out.full; i++) {
      if (i > 0) out.add(', ');
      write(items[i], out, depth + 1, seen);
    }
    out.add(']');
  } else {
    const name = value.constructor?.name;
    out.add(name && name !== 'Object' ? `${name} {` : '{');
    let first = true;
    for (const [k, v] of Object.entries(value)) {
      if (!out.add(`${first ? '' : ', '}${JSON.stringify(k)}: `)) break;
      first = false;
      write(v, out, depth + 1, seen);
    }
    out.add('}');
  }
  seen.delete(value);
}

function writeBinary(view: ArrayBufferView, out: Writer): void {
  const name = view.constructor.name;
  if (view instanceof Uint8Array) {
    const hex = Buffer.from(view.buffer, view.byteOffset, Math.min(view.byteLength, 32)).toString('hex');
    out.add(`${name}(${view.byteLength}) <${hex}${view.byteLength > 32 ? '…' : ''}>`);
    return;
  }
  if (view instanceof DataView) {
    out.add(`DataView(${view.byteLength})`);
    return;
  }
  const items = view as unknown as ArrayLike<number | bigint>;
  const shown = Array.from({ length: Math.min(items.length, TYPED_ITEMS) }, (_, i) => String(items[i]));
  out.add(`${name}(${items.length}) [${shown.join(', ')}${items.length > TYPED_ITEMS ? ', …' : ''}]`);
}
