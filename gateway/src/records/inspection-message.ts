import { InvalidArgumentError, type InspectOptions, type ProcessInspection } from '@praas/framework/internal';

/** Largest `maxChars` accepted: a preview is for reading, not for copying a state out. */
export const MAX_INSPECT_CHARS = 1_048_576;

/**
 * The inspect options of a request: `maxChars` from the REST query (`?maxChars=`) or the gRPC
 * field (`0`: the default).
 * @throws InvalidArgumentError when it is not a whole number from 1 to {@link MAX_INSPECT_CHARS}.
 */
export function inspectOptionsOf(raw: string | number | null | undefined): InspectOptions {
  if (raw === null || raw === undefined || raw === '' || raw === 0) return {};
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_INSPECT_CHARS)
    throw new InvalidArgumentError(
      `maxChars must be a whole number from 1 to ${MAX_INSPECT_CHARS}, got ${JSON.stringify(raw)}`,
      { maxChars: raw },
    );
  return { maxChars: n };
}

/**
 * An inspection as the gRPC message `ProcessInspection` (REST answers the record itself as JSON):
 * the same fields, absent optional ones as proto3 defaults. A test checks the proto against it.
 */
export function inspectionMessage(i: ProcessInspection): Record<string, unknown> {
  const value = (v: { name: string; preview: string; bytes: number; truncated: boolean }, from = ''): object => ({
    name: v.name,
    preview: v.preview,
    bytes: v.bytes,
    truncated: v.truncated,
    from,
  });
  return {
    app: i.app,
    pid: i.pid,
    processClass: i.processClass,
    status: i.status,
    generation: i.generation,
    version: i.version ?? 0,
    host: i.host ?? '',
    source: i.source,
    takenAt: i.takenAt,
    fields: i.fields.map((f) => value(f)),
    keyed: i.keyed.map((k) => value(k)),
    mailbox: { depth: i.mailbox.depth, head: i.mailbox.head.map((m) => value({ ...m, name: m.key }, m.from)) },
    triggers: i.triggers.map((t) => ({ fn: t.fn, key: t.key ?? '', count: t.count, firstAt: t.firstAt })),
  };
}
