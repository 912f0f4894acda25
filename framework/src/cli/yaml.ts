/** A value that can be written as YAML: what JSON can hold. */
export type YamlValue = string | number | boolean | null | readonly YamlValue[] | { readonly [key: string]: YamlValue };

const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./:@-]*$/;
// YAML 1.1 readers (kubectl among them) take these unquoted words as booleans or null.
const RESERVED = /^(y|yes|n|no|true|false|on|off|null|~)$/i;

function scalar(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`cannot write ${value} as YAML`);
    return String(value);
  }
  // A JSON string is a valid YAML double-quoted scalar.
  return PLAIN.test(value) && !RESERVED.test(value) && !value.endsWith(':') ? value : JSON.stringify(value);
}

function isScalar(value: YamlValue): value is string | number | boolean | null {
  return value === null || typeof value !== 'object';
}

function isEmpty(value: YamlValue): boolean {
  return !isScalar(value) && (Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0);
}

function lines(value: YamlValue, indent: string): string[] {
  if (isScalar(value)) return [`${indent}${scalar(value)}`];
  const result: string[] = [];
  if (Array.isArray(value)) {
    for (const item of value as readonly YamlValue[]) {
      if (isScalar(item) || isEmpty(item)) {
        result.push(`${indent}- ${isScalar(item) ? scalar(item) : Array.isArray(item) ? '[]' : '{}'}`);
        continue;
      }
      // The first line of a nested block goes after the dash; the rest align under it.
      const nested = lines(item, `${indent}  `);
      result.push(`${indent}- ${nested[0]!.slice(indent.length + 2)}`, ...nested.slice(1));
    }
    return result;
  }
  for (const [key, item] of Object.entries(value as { readonly [key: string]: YamlValue })) {
    const k = scalar(key);
    if (isScalar(item)) result.push(`${indent}${k}: ${scalar(item)}`);
    else if (isEmpty(item)) result.push(`${indent}${k}: ${Array.isArray(item) ? '[]' : '{}'}`);
    else if (Array.isArray(item)) result.push(`${indent}${k}:`, ...lines(item, indent));
    else result.push(`${indent}${k}:`, ...lines(item, `${indent}  `));
  }
  return result;
}

/**
 * Writes JSON-shaped values as block-style YAML documents separated by `---`. Strings that a YAML
 * reader could take for another type (`'true'`, `'8080'`, `''`) are quoted.
 */
export function toYaml(documents: readonly YamlValue[]): string {
  return documents.map((d) => `${lines(d, '').join('\n')}\n`).join('---\n');
}
