import {
  decode,
  DEFAULT_INSPECT_MAX_CHARS,
  INSPECT_MAILBOX_HEAD,
  type InspectedValue,
  type ProcessInspection,
  type ProcessRecord,
} from '@praas/framework/internal';
import type { PersistedAccumulation } from '../triggers/trigger-engine';
import type { EncodedValue, SnapshotContent } from './snapshot';
import { previewValue } from './value-preview';

/** Where the state came from, and the process's record for what the snapshot does not hold. */
export interface InspectionSource {
  readonly record: Pick<ProcessRecord, 'status' | 'generation' | 'version' | 'host'>;
  readonly source: ProcessInspection['source'];
  readonly maxChars?: number;
}

/**
 * What the inspector shows of a snapshot's content (DESIGN §8b): the live process's current cut, or
 * the newest committed snapshot of a swapped-out one. Values are decoded without their classes (no
 * user code runs) and shown as text cut at `maxChars`.
 */
export function inspectSnapshot(
  content: SnapshotContent | undefined,
  meta: { app: string; pid: string; processClass: string },
  from: InspectionSource,
): ProcessInspection {
  const max = from.maxChars ?? DEFAULT_INSPECT_MAX_CHARS;
  const { record } = from;
  const base = {
    app: meta.app,
    pid: meta.pid,
    processClass: meta.processClass,
    status: record.status,
    generation: record.generation,
    ...(record.version === undefined ? {} : { version: record.version }),
    ...(record.host === undefined ? {} : { host: record.host }),
    source: from.source,
  };
  if (!content)
    return { ...base, takenAt: Date.now(), fields: [], keyed: [], mailbox: { depth: 0, head: [] }, triggers: [] };
  const accumulations = decode<PersistedAccumulation[] | null>(content.triggers, 'trigger accumulations') ?? [];
  return {
    ...base,
    takenAt: from.source === 'live' ? Date.now() : content.meta.createdAt,
    fields: content.fields.map(([name, bytes]) => shown(name, bytes, `field ${name}`, max)),
    keyed: content.keyed.map(([key, bytes]) => shown(key, bytes, `state key '${key}'`, max)),
    mailbox: {
      depth: content.messages.length,
      head: content.messages.slice(0, INSPECT_MAILBOX_HEAD).map((m) => {
        const { name: _name, ...value } = shown(m.key, m.data, `message '${m.key}'`, max);
        return { from: m.from, key: m.key, ...value };
      }),
    },
    triggers: accumulations.map((a) => ({
      fn: a.fn,
      ...(a.key === undefined ? {} : { key: a.key }),
      count: a.parts.length,
      firstAt: a.firstAt,
    })),
  };
}

function shown(name: string, encoded: EncodedValue, what: string, max: number): InspectedValue {
  const bytes = encoded instanceof Uint8Array ? encoded : Buffer.concat(encoded);
  let text: { preview: string; truncated: boolean };
  try {
    text = previewValue(decode(bytes, what), max);
  } catch (e) {
    // Shown, not thrown: one value that does not decode must not hide the others.
    text = { preview: `<does not decode: ${e instanceof Error ? e.message : String(e)}>`, truncated: false };
  }
  return { name, bytes: bytes.byteLength, ...text };
}
