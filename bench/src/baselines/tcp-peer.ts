/**
 * The raw TCP baseline's peer, in its own OS process: Node's `net` with Nagle off and
 * length-prefixed frames, nothing else. A connection's first byte chooses what it does:
 * - {@link TcpMode.ack}: answers every frame with an empty frame (request/reply, the floor of an
 *   invocation of a function that returns nothing);
 * - {@link TcpMode.echo}: answers every frame with the same frame (ping-pong);
 * - {@link TcpMode.count}: a 4-byte count N, then N frames; answers an empty frame once it has
 *   them all (one-way throughput), then takes the next count.
 * Started by `startPeer`; reports `{ port }` when it listens on loopback.
 */
import { createServer, type Socket } from 'node:net';
import { runPeer } from './peer-process';
import { FrameDecoder, frameHeader } from './tcp-frames';

export const TcpMode = { ack: 0x61, echo: 0x65, count: 0x63 } as const;
export type TcpMode = (typeof TcpMode)[keyof typeof TcpMode];

/** What the peer reports when it listens. */
export interface TcpPeerReady {
  readonly port: number;
}

const EMPTY_FRAME = frameHeader(0);

/** Serves one connection; throws on a protocol violation (the caller closes the socket). */
function serve(socket: Socket): (chunk: Buffer) => void {
  const decoder = new FrameDecoder();
  let mode: number | undefined;
  let expected = -1;
  let received = 0;
  const handle = (body: Buffer): void => {
    if (mode === TcpMode.ack) socket.write(EMPTY_FRAME);
    else if (mode === TcpMode.echo) {
      // Header and body in one writev, without copying the body.
      socket.cork();
      socket.write(frameHeader(body.length));
      socket.write(body);
      socket.uncork();
    } else if (expected < 0) {
      if (body.length !== 4) throw new Error(`count mode: expected a 4-byte count frame, got ${body.length} bytes`);
      expected = body.readUInt32BE(0);
      received = 0;
    } else if (++received === expected) {
      expected = -1;
      socket.write(EMPTY_FRAME);
    }
  };
  return (chunk) => {
    if (mode === undefined) {
      mode = chunk[0];
      if (!Object.values(TcpMode).some((m) => m === mode)) {
        throw new Error(
          `unknown mode byte ${String(mode)}; the first byte must be one of ${Object.values(TcpMode).join(', ')}`,
        );
      }
      chunk = chunk.subarray(1);
    }
    for (const body of decoder.push(chunk)) handle(body);
  };
}

if (require.main === module) {
  runPeer<TcpPeerReady>('tcp peer', async () => {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      socket.setNoDelay(true);
      sockets.add(socket);
      const onData = serve(socket);
      socket.on('data', (chunk) => {
        try {
          onData(chunk);
        } catch (e) {
          console.error(`tcp peer: closing a connection: ${e instanceof Error ? e.message : String(e)}`);
          socket.destroy();
        }
      });
      socket.on('error', (e) => console.error(`tcp peer: connection error: ${e.message}`));
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('tcp peer: no TCP address to report');
    return {
      ready: { port: address.port },
      stop: () =>
        new Promise<void>((resolve, reject) => {
          for (const s of sockets) s.destroy();
          server.close((e) => (e ? reject(e) : resolve()));
        }),
    };
  });
}
