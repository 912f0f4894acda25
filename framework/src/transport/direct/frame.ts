import { DecodeError } from '../../errors';

/*
 * The direct data plane's framing (DESIGN §5a): length-prefixed frames on one TCP connection per
 * pair of hosts. Every frame starts with a 9-byte header, big-endian:
 *
 *   u32 length   bytes after this field (kind + id + body)
 *   u8  kind     FrameKind
 *   u32 id       request id; a reply carries the id of its request (0 for hello/welcome)
 *
 * The body depends on the kind:
 *   CHALLENGE msgpack { v, nonce }       first frame from a listener that needs proof (an application secret)
 *   HELLO     msgpack { v, app, from, proof? }  first frame of a connection, from the dialling side
 *                                        (after the challenge, with the HMAC proof, when there is one)
 *   WELCOME   msgpack { v, host }        the listener accepts the connection
 *   REQUEST   u16 subject length, subject (UTF-8), payload (an encoded envelope)
 *   REPLY     payload (the handler's reply bytes)
 *   ERROR     msgpack WireError          the handler failed (id > 0), or the hello was refused (id 0)
 *   NOT_HERE  empty                      nobody serves the subject on this host: use the fallback path
 *
 * Payloads are the same bytes the NATS path carries, so both paths share one codec.
 */

/** Kinds of frame. */
export enum FrameKind {
  Hello = 1,
  Welcome = 2,
  Request = 3,
  Reply = 4,
  Error = 5,
  NotHere = 6,
  Challenge = 7,
}

/** Version of the framing; a hello with another version is refused. */
export const FRAME_VERSION = 1;
/** Header bytes before the body: length, kind, id. */
export const HEADER_BYTES = 9;
/** Largest frame a reader accepts unless told otherwise (the length field counts kind + id + body). */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;
/** Payloads up to this size are copied into the header's buffer: one write instead of two. */
const INLINE_PAYLOAD_BYTES = 16 * 1024;

const utf8 = new TextEncoder();
/** Encoded subjects: a sender sends to few subjects, many times each. */
const subjects = new Map<string, Uint8Array>();
const SUBJECT_CACHE = 4096;

function subjectBytes(subject: string): Uint8Array {
  let bytes = subjects.get(subject);
  if (!bytes) {
    bytes = utf8.encode(subject);
    if (bytes.length > 0xffff) throw new RangeError(`subject of ${bytes.length} bytes is too long`);
    if (subjects.size >= SUBJECT_CACHE) subjects.clear();
    subjects.set(subject, bytes);
  }
  return bytes;
}

/** One decoded frame; `body` is a view into the bytes read, valid until the handler returns. */
export interface Frame {
  readonly kind: FrameKind;
  readonly id: number;
  readonly body: Uint8Array;
}

/** A request frame's body split into its subject and payload. */
export interface RequestBody {
  readonly subject: string;
  readonly payload: Uint8Array;
}

/**
 * Encodes a frame as one or two buffers (header, then the payload as it is): a large payload is
 * never copied, a small one shares the header's buffer so it costs one write.
 */
export function encodeFrame(kind: FrameKind, id: number, body: Uint8Array): Buffer[] {
  if (body.length <= INLINE_PAYLOAD_BYTES) {
    const frame = Buffer.allocUnsafe(HEADER_BYTES + body.length);
    writeHeader(frame, kind, id, body.length);
    frame.set(body, HEADER_BYTES);
    return [frame];
  }
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  writeHeader(header, kind, id, body.length);
  return [header, toBuffer(body)];
}

/** Encodes a request: the subject it is for and the payload. */
export function encodeRequest(id: number, subject: string, payload: Uint8Array): Buffer[] {
  const subject8 = subjectBytes(subject);
  const prefix = 2 + subject8.length;
  const bodyLength = prefix + payload.length;
  if (payload.length <= INLINE_PAYLOAD_BYTES) {
    const frame = Buffer.allocUnsafe(HEADER_BYTES + bodyLength);
    writeHeader(frame, FrameKind.Request, id, bodyLength);
    frame.writeUInt16BE(subject8.length, HEADER_BYTES);
    frame.set(subject8, HEADER_BYTES + 2);
    frame.set(payload, HEADER_BYTES + prefix);
    return [frame];
  }
  const header = Buffer.allocUnsafe(HEADER_BYTES + prefix);
  writeHeader(header, FrameKind.Request, id, bodyLength);
  header.writeUInt16BE(subject8.length, HEADER_BYTES);
  header.set(subject8, HEADER_BYTES + 2);
  return [header, toBuffer(payload)];
}

/** Splits a request body into subject and payload. */
export function decodeRequest(body: Uint8Array): RequestBody {
  if (body.length < 2) throw new DecodeError('direct request frame', 'shorter than its subject length');
  const length = (body[0]! << 8) | body[1]!;
  if (body.length < 2 + length) throw new DecodeError('direct request frame', 'shorter than its subject');
  const subject = Buffer.from(body.buffer, body.byteOffset + 2, length).toString('utf8');
  return { subject, payload: body.subarray(2 + length) };
}

function writeHeader(buffer: Buffer, kind: FrameKind, id: number, bodyLength: number): void {
  buffer.writeUInt32BE(bodyLength + 5, 0);
  buffer[4] = kind;
  buffer.writeUInt32BE(id, 5);
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Cuts a byte stream into frames. Feed it every chunk a socket reads; it calls `onFrame` for each
 * complete frame, in order. A frame inside one chunk is handed out as a view (no copy); only a
 * frame split across chunks is joined, from its own bytes (the rest of the chunk is not copied).
 */
export class FrameReader {
  /** The start of a frame that continues in the next chunk. */
  private readonly carried: Buffer[] = [];
  private carriedBytes = 0;
  /** Length of the carried frame once its header is complete (4 + the length field), else 0. */
  private carriedFrameBytes = 0;

  constructor(
    private readonly onFrame: (frame: Frame) => void,
    private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES,
  ) {}

  /** @throws DecodeError when a frame announces more than the limit or is shorter than its header. */
  push(chunk: Buffer): void {
    let data = chunk;
    if (this.carriedBytes > 0) {
      // Complete the carried frame from the front of this chunk, then go on in the chunk itself.
      if (this.carriedFrameBytes === 0) {
        const headerPart = Math.min(HEADER_BYTES - this.carriedBytes, data.length);
        this.carry(data.subarray(0, headerPart));
        data = data.subarray(headerPart);
        if (this.carriedBytes < HEADER_BYTES) return;
        const header = Buffer.concat(this.carried, this.carriedBytes);
        this.carried.length = 0;
        this.carried.push(header);
        this.carriedFrameBytes = 4 + this.checkLength(header.readUInt32BE(0));
      }
      const rest = Math.min(this.carriedFrameBytes - this.carriedBytes, data.length);
      this.carry(data.subarray(0, rest));
      data = data.subarray(rest);
      if (this.carriedBytes < this.carriedFrameBytes) return;
      const frame = Buffer.concat(this.carried, this.carriedBytes);
      this.carried.length = 0;
      this.carriedBytes = 0;
      this.carriedFrameBytes = 0;
      this.emit(frame, 0);
    }
    let offset = 0;
    for (;;) {
      const left = data.length - offset;
      if (left < HEADER_BYTES) break;
      const length = this.checkLength(data.readUInt32BE(offset));
      if (left < 4 + length) {
        this.carriedFrameBytes = 4 + length;
        break;
      }
      this.emit(data, offset);
      offset += 4 + length;
    }
    if (offset < data.length) this.carry(data.subarray(offset));
  }

  private carry(part: Buffer): void {
    if (part.length === 0) return;
    this.carried.push(part);
    this.carriedBytes += part.length;
  }

  private checkLength(length: number): number {
    if (length < 5) throw new DecodeError('direct frame', `length ${length} is shorter than its header`);
    if (length > this.maxFrameBytes) {
      throw new DecodeError('direct frame', `length ${length} is over the limit of ${this.maxFrameBytes} bytes`);
    }
    return length;
  }

  private emit(data: Buffer, offset: number): void {
    const length = data.readUInt32BE(offset);
    const kind = data[offset + 4] as FrameKind;
    const id = data.readUInt32BE(offset + 5);
    this.onFrame({ kind, id, body: data.subarray(offset + HEADER_BYTES, offset + 4 + length) });
  }
}
