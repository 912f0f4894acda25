/**
 * Length-prefixed framing for the raw TCP baselines: a frame is a 4-byte big-endian length and
 * that many bytes. The decoder copies only when a frame spans several socket chunks.
 */

export const FRAME_HEADER_BYTES = 4;
/** Larger frames are refused as garbage rather than buffered (the benchmarks send at most 1 MiB). */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** The 4-byte header of a frame of `length` bytes. */
export function frameHeader(length: number): Buffer {
  if (!(Number.isInteger(length) && length >= 0 && length <= MAX_FRAME_BYTES)) {
    throw new RangeError(`frame length must be an integer from 0 to ${MAX_FRAME_BYTES}, got ${length}`);
  }
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt32BE(length, 0);
  return header;
}

/** A whole frame (header and body) in one buffer. */
export function frame(body: Uint8Array): Buffer {
  return Buffer.concat([frameHeader(body.byteLength), body]);
}

/** Cuts a byte stream into frame bodies. */
export class FrameDecoder {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  /** Body length of the frame being read; -1 while its header is not complete. */
  private expected = -1;

  /**
   * Takes the next chunk of the stream; returns the bodies of the frames it completed, in order.
   * @throws RangeError when a header announces more than {@link MAX_FRAME_BYTES}.
   */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Buffer[] = [];
    for (;;) {
      if (this.expected < 0) {
        if (this.buffered < FRAME_HEADER_BYTES) break;
        const length = this.take(FRAME_HEADER_BYTES).readUInt32BE(0);
        if (length > MAX_FRAME_BYTES) {
          throw new RangeError(`frame of ${length} bytes announced; at most ${MAX_FRAME_BYTES} are accepted`);
        }
        this.expected = length;
      }
      if (this.buffered < this.expected) break;
      frames.push(this.take(this.expected));
      this.expected = -1;
    }
    return frames;
  }

  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0]!;
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    for (let offset = 0; offset < n;) {
      const chunk = this.chunks[0]!;
      const k = Math.min(chunk.length, n - offset);
      chunk.copy(out, offset, 0, k);
      offset += k;
      if (k === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(k);
    }
    this.buffered -= n;
    return out;
  }
}
