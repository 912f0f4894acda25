import { DecodeError, decodeWire, encodeWire } from '@praas/framework/internal';
import type { StoredMessage } from '../mailbox/mailbox';

export const SNAPSHOT_FORMAT = 1;

export interface SnapshotMeta {
  readonly format: number;
  readonly app: string;
  readonly pid: string;
  readonly processClass: string;
  readonly generation: number;
  readonly createdAt: number;
  /** State version of the class that wrote it (`@Process({ version })`); absent in snapshots from before versions: 1. */
  readonly stateVersion?: number;
}

/**
 * One encoded value: its bytes, or parts whose concatenation is its bytes (a large typed array stays
 * apart from its header so that it is never copied on the way to the store).
 */
export type EncodedValue = Uint8Array | readonly Uint8Array[];

/** Everything a process is, apart from its code (DESIGN §6). Values stay encoded. */
export interface SnapshotContent {
  readonly meta: SnapshotMeta;
  /** `@State` fields, each encoded on its own so that errors and types are per field. */
  readonly fields: readonly (readonly [string, EncodedValue])[];
  readonly keyed: readonly (readonly [string, Uint8Array])[];
  readonly messages: readonly StoredMessage[];
  readonly seenIds: readonly string[];
  /** Per sender: incarnation and the last message sequence accepted from it. */
  readonly senders: readonly (readonly [string, string, number])[];
  /** This process as a sender: its incarnation and the next sequence number per receiver. */
  readonly outbox: { readonly epoch: string; readonly seq: readonly (readonly [string, number])[] };
  /** Backup-queue entries up to this position are reflected in this snapshot. */
  readonly backupCursor: number;
  /** Partial trigger accumulations, encoded by the trigger engine. */
  readonly triggers: Uint8Array;
}

/** A snapshot as read back: every value is one contiguous view into the bytes read. */
export interface RestoredSnapshot extends SnapshotContent {
  readonly fields: readonly (readonly [string, Uint8Array])[];
}

interface Header {
  meta: SnapshotMeta;
  fields: [string, number][];
  keyed: [string, number][];
  messages: StoredMessage[];
  seenIds: string[];
  senders: [string, string, number][];
  outbox: { epoch: string; seq: [string, number][] };
  backupCursor: number;
  triggers: number;
  segments: number[];
}

/**
 * Lays a snapshot out as `[u32 header length][header][segment]...`: large values (fields, keyed
 * state) are segments referenced by index, so they are never copied into one big buffer on the
 * way out; the caller streams the returned parts into chunks.
 */
export function encodeSnapshot(content: SnapshotContent): Uint8Array[] {
  const parts: Uint8Array[] = [];
  const lengths: number[] = [];
  const ref = (value: EncodedValue): number => {
    const list = value instanceof Uint8Array ? [value] : value;
    parts.push(...list);
    return lengths.push(list.reduce((n, p) => n + p.byteLength, 0)) - 1;
  };
  const header: Header = {
    meta: content.meta,
    fields: content.fields.map(([k, v]) => [k, ref(v)]),
    keyed: content.keyed.map(([k, v]) => [k, ref(v)]),
    messages: [...content.messages],
    seenIds: [...content.seenIds],
    senders: content.senders.map(([a, b, c]) => [a, b, c]),
    outbox: { epoch: content.outbox.epoch, seq: content.outbox.seq.map(([a, b]) => [a, b]) },
    backupCursor: content.backupCursor,
    triggers: ref(content.triggers),
    segments: lengths,
  };
  const headerBytes = encodeWire(header);
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(headerBytes.byteLength, 0);
  return [prefix, headerBytes, ...parts];
}

/** Reads back what `encodeSnapshot` laid out; values are views into `bytes`, not copies. */
export function decodeSnapshot(bytes: Uint8Array, what: string): RestoredSnapshot {
  if (bytes.byteLength < 4) throw new DecodeError(what, 'too short to be a snapshot');
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.readUInt32BE(0);
  if (4 + headerLength > bytes.byteLength) throw new DecodeError(what, 'header runs past the end');
  const header = decodeWire<Header>(bytes.subarray(4, 4 + headerLength), what);
  if (header.meta?.format !== SNAPSHOT_FORMAT) {
    throw new DecodeError(
      what,
      `snapshot format ${String(header.meta?.format)} is not supported (expected ${SNAPSHOT_FORMAT})`,
    );
  }
  const segments: Uint8Array[] = [];
  let at = 4 + headerLength;
  for (const length of header.segments) {
    if (at + length > bytes.byteLength) throw new DecodeError(what, 'a segment runs past the end');
    segments.push(bytes.subarray(at, at + length));
    at += length;
  }
  if (at !== bytes.byteLength) throw new DecodeError(what, 'bytes after the last segment');
  const seg = (i: number): Uint8Array => {
    const s = segments[i];
    if (!s) throw new DecodeError(what, `segment ${i} is missing`);
    return s;
  };
  return {
    meta: header.meta,
    fields: header.fields.map(([k, i]) => [k, seg(i)] as const),
    keyed: header.keyed.map(([k, i]) => [k, seg(i)] as const),
    messages: header.messages,
    seenIds: header.seenIds,
    senders: header.senders,
    outbox: header.outbox,
    backupCursor: header.backupCursor,
    triggers: seg(header.triggers),
  };
}
