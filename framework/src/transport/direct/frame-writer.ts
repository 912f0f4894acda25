import type net from 'node:net';

/** Below this many bytes, the frames of one tick are joined into one buffer before the write. */
const JOIN_BYTES = 256 * 1024;

/**
 * Coalesces the frames written to a socket in one tick into one write (DESIGN §5a): small frames
 * are joined into one buffer (one copy is cheaper than the stream bookkeeping of a write per
 * frame), large ones go out as they are in one corked batch (one writev), so a pipelined burst
 * costs one syscall.
 */
export class FrameWriter {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private scheduled = false;

  constructor(private readonly socket: net.Socket) {}

  /** Queues the buffers of one or more frames; they go out at the end of this tick, in order. */
  write(buffers: readonly Buffer[]): void {
    for (const b of buffers) {
      this.chunks.push(b);
      this.bytes += b.length;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(() => this.flush());
    }
  }

  /** Writes what is queued now, then ends the socket (the peer reads everything before the end). */
  end(): void {
    this.flush();
    this.socket.end();
  }

  private flush(): void {
    const chunks = this.chunks;
    const bytes = this.bytes;
    this.chunks = [];
    this.bytes = 0;
    this.scheduled = false;
    if (this.socket.destroyed || chunks.length === 0) return;
    if (chunks.length === 1) {
      this.socket.write(chunks[0]!);
    } else if (bytes <= JOIN_BYTES) {
      this.socket.write(Buffer.concat(chunks, bytes));
    } else {
      this.socket.cork();
      for (const c of chunks) this.socket.write(c);
      this.socket.uncork();
    }
  }
}
