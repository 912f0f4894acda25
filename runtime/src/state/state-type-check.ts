import {
  assertEncodable,
  decode,
  type ClassInstanceVisitor,
  type StateFieldDefinition,
} from '@praas/framework/internal';
import { warn } from '../log/warn';
import type { EncodedValue } from './snapshot';

/** The code of the warning about class instances that come back from a swap as plain objects. */
export const UNTYPED_STATE_WARNING = 'PRAAS_UNTYPED_STATE';

/** A path with its array indices, Map keys and Set positions left out: one name for all items of a list. */
function site(path: string): string {
  return path
    .replace(/\[\d+\]/g, '[]')
    .replace(/\.get\([^()]*\)/g, '.get()')
    .replace(/<set item \d+>/g, '<set item>');
}

/** What a finding means and what to do about it. */
function advice(isFieldValue: boolean, where: string, cls: string): string {
  if (isFieldValue)
    return `holds a ${cls} instance, which comes back from a swap as a plain object without its methods; declare its type: @State(() => ${cls})`;
  const lost = `holds ${cls} instances, which come back from a swap as plain objects without their methods`;
  // The codec keeps Maps and Sets away from class-transformer, which would break them: @Type cannot reach inside.
  if (/\.get\(\)|<key>|<set item>/.test(where))
    return `${lost}, also with @Type, as they sit in a Map or Set; keep them in an array or object property with @Type(() => ${cls}) (see "State" in the README)`;
  return `${lost}; declare the type on the property that holds them: @Type(() => ${cls}) from @praas/framework (see "State" in the README)`;
}

/** Every class instance in `value` by its path (the paths of the encoder's errors). */
function instancesIn(value: unknown, path: string): Map<string, object> {
  const found = new Map<string, object>();
  assertEncodable(value, path, (at, instance) => found.set(at, instance));
  return found;
}

/**
 * Tells the user about `@State` fields holding class instances that a swap will turn into plain
 * objects (without their methods): a field's own value when the field has no type thunk, or an
 * instance nested in it without class-transformer's `@Type` on the property that holds it. Only
 * run-time values show this, so it is checked when a field is encoded for a snapshot: the encoder
 * names each class instance it meets, and the first time a field holds an instance of some
 * class, the field is decoded back as a swap-in would and the two are compared. Each finding is
 * reported once per class, field and path (indices left out), through `warn`.
 */
export class StateTypeCheck {
  /** Per `<class>.<field>`: the constructors whose instances in that field were checked already. */
  private readonly checked = new Map<string, Set<unknown>>();
  private readonly reported = new Set<string>();

  constructor(private readonly report: (message: string) => void = (m) => warn(UNTYPED_STATE_WARNING, m)) {}

  /**
   * Encodes one field with `encode` (which passes the visitor on to the encoder), then checks it
   * when it held an instance of a class not seen in that field before.
   */
  encodeField(
    className: string,
    field: StateFieldDefinition,
    value: unknown,
    encode: (onClassInstance: ClassInstanceVisitor) => EncodedValue,
  ): EncodedValue {
    const key = `${className}.${field.field}`;
    let known = this.checked.get(key);
    if (!known) this.checked.set(key, (known = new Set()));
    let fresh = false;
    const encoded = encode((_, instance) => {
      const ctor: unknown = instance.constructor;
      if (known.has(ctor)) return;
      known.add(ctor);
      fresh = true;
    });
    if (fresh) {
      try {
        this.compare(className, field, value, encoded);
      } catch (e) {
        // The check only advises: the snapshot is written whatever it finds.
        this.report(
          `field ${className}.${field.field}: cannot check which class instances come back from a swap: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    }
    return encoded;
  }

  private compare(className: string, field: StateFieldDefinition, value: unknown, encoded: EncodedValue): void {
    const path = `field ${className}.${field.field}`;
    const bytes = encoded instanceof Uint8Array ? encoded : Buffer.concat(encoded);
    const revived = instancesIn(decode(bytes, path, field.type), path);
    for (const [at, instance] of instancesIn(value, path)) {
      const back = revived.get(at);
      if (back !== undefined && Object.getPrototypeOf(back) === Object.getPrototypeOf(instance)) continue;
      const where = site(at);
      if (this.reported.has(where)) continue;
      this.reported.add(where);
      const cls = (instance.constructor as { name?: string } | undefined)?.name || 'a class';
      this.report(`${where} ${advice(at === path, where, cls)}`);
    }
  }
}
