import { stringify } from 'yaml';

/** A value that can be written as YAML: what JSON can hold. */
export type YamlValue = string | number | boolean | null | readonly YamlValue[] | { readonly [key: string]: YamlValue };

/**
 * Writes JSON-shaped values as block-style YAML documents separated by `---`, with the `yaml`
 * package in YAML 1.1 mode: kubectl reads YAML 1.1, so strings that a 1.1 reader could take for
 * another type (`'yes'`, `'on'`, `'0755'`, `'12:30'`, `'true'`, `'8080'`, `''`) are quoted.
 * @throws TypeError for a number that is not finite (JSON has none, and a manifest never means one).
 */
export function toYaml(documents: readonly YamlValue[]): string {
  return documents
    .map((d) => stringify(d, (_key: unknown, value: unknown) => finite(value), { version: '1.1', lineWidth: 0 }))
    .join('---\n');
}

function finite(value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError(`cannot write ${value} as YAML`);
  return value;
}
