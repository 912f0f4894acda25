import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { FrameDecoder, frame, frameHeader } from './tcp-frames';
import type { TcpMode } from './tcp-peer';

/**
 * The bench process's side of the raw TCP baseline: one connection to the TCP peer in one mode
 * (see `tcp-peer.ts`), Nagle off, answers matched to requests in order.
 */
export class TcpConnection {
  private readonly decoder = new FrameDecoder();
  private readonly waiting: { resolve(body: Buffer): void; reject(e: Error): void }[] = [];
  /** A writer waiting for the socket's buffer to drain; a failure rejects it too. */
  private drainWaiter: { resolve(): void; reject(e: Error): void } | undefined;
  private failure: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk) => {
      let bodies: Buffer[];
      try {
        bodies = this.decoder.push(chunk);
      } catch (e) {
        socket.destroy(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      for (const body of bodies) {
        const waiter = this.waiting.shift();
        if (!waiter) {
          socket.destroy(new Error(`tcp baseline: an answer of ${body.length} bytes that nobody asked for`));
          return;
        }
        waiter.resolve(body);
      }
    });
    socket.on('drain', () => {
      const waiter = this.drainWaiter;
      this.drainWaiter = undefined;
      waiter?.resolve();
    });
    const fail = (e: Error): void => {
      this.failure ??= e;
      for (const w of this.waiting.splice(0)) w.reject(e);
      this.drainWaiter?.reject(e);
      this.drainWaiter = undefined;
    };
    socket.on('error', (e) => fail(new Error(`tcp baseline connection failed: ${e.message}`)));
    socket.on('close', () => fail(new Error('tcp baseline connection closed')));
  }

  /** Connects to the peer on loopback `port` and chooses the connection's mode. */
  static async open(port: number, mode: TcpMode): Promise<TcpConnection> {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    await once(socket, 'connect');
    socket.write(Buffer.of(mode));
    return new TcpConnection(socket);
  }

  /** Sends one frame and resolves with the body of the next answer. */
  exchange(payload: Uint8Array): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure);
    const answer = this.nextAnswer();
    this.socket.cork();
    this.socket.write(frameHeader(payload.byteLength));
    this.socket.write(payload);
    this.socket.uncork();
    return answer;
  }

  /**
   * Count mode: announces `count`, writes `count` frames of `payload` back to back (waiting only
   * when the socket's buffer is full) and resolves when the peer says it has them all.
   */
  async sendBatch(count: number, payload: Uint8Array): Promise<void> {
    if (this.failure) throw this.failure;
    const announce = Buffer.allocUnsafe(4);
    announce.writeUInt32BE(count, 0);
    this.socket.write(frame(announce));
    // One buffer written `count` times: the floor does no per-message work beyond the write.
    const message = frame(payload);
    for (let i = 0; i < count; i++) {
      if (!this.socket.write(message)) await this.drained();
    }
    // Only now: the peer answers after the last frame, which cannot arrive before this turn ends.
    const answer = await this.nextAnswer();
    if (answer.length !== 0) throw new Error(`tcp baseline: count answer of ${answer.length} bytes, expected 0`);
  }

  async close(): Promise<void> {
    if (this.socket.destroyed) return;
    const closed = once(this.socket, 'close');
    this.socket.end();
    await closed;
  }

  private drained(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => (this.drainWaiter = { resolve, reject }));
  }

  private nextAnswer(): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<Buffer>((resolve, reject) => this.waiting.push({ resolve, reject }));
  }
}
