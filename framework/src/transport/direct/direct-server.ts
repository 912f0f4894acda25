import net from 'node:net';
import { Packr } from 'msgpackr';
import { InvalidArgumentError, toWireError, UnavailableError } from '../../errors';
import type { RequestHandler } from '../transport';
import type { DirectAddress } from './address';
import { KEEPALIVE_MS } from './direct-connection';
import { FrameWriter } from './frame-writer';
import { newNonce, verifyProof } from './handshake-proof';
import {
  DEFAULT_MAX_FRAME_BYTES,
  decodeRequest,
  encodeFrame,
  FRAME_VERSION,
  FrameKind,
  FrameReader,
  type Frame,
} from './frame';

/** Options of {@link DirectServer}. */
export interface DirectServerOptions {
  /** The application this host serves; connections saying another one are refused. */
  readonly app: string;
  /** This host's id, told to peers in the welcome. */
  readonly hostId: string;
  /**
   * The application's data-plane secret: every connection must prove it knows it by answering a
   * challenge (HMAC, {@link handshakeProof}); without it, the hello's application name is enough.
   */
  readonly secret?: Uint8Array;
  /** Interface to bind (default `127.0.0.1`). */
  readonly bindHost?: string;
  /** TCP port (default 0: a free port). */
  readonly port?: number;
  /** Requests of one connection being handled at once before the server stops reading from it (default 4096). */
  readonly maxPendingPerConnection?: number;
  /** Largest request frame accepted (default 64 MiB); a larger one closes the connection. */
  readonly maxFrameBytes?: number;
}

const packr = new Packr({ useRecords: false, mapsAsObjects: true });
const EMPTY = new Uint8Array(0);

/**
 * The listening side of the direct data plane (DESIGN §5a): accepts connections from peers of the
 * same application and hands each request to the handler serving its subject here, in the order
 * the frames arrived. A subject nobody serves here is answered NOT_HERE at once, so the sender
 * falls back to the NATS path. Replies go out as handlers finish, coalesced per tick.
 */
export class DirectServer {
  private readonly server: net.Server;
  private readonly connections = new Set<net.Socket>();
  private bound: DirectAddress | undefined;

  constructor(
    private readonly options: DirectServerOptions,
    private readonly lookup: (subject: string) => RequestHandler | undefined,
  ) {
    const port = options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new InvalidArgumentError(`the direct data port must be 0 to 65535, got ${String(port)}`, { port });
    }
    this.server = net.createServer({ noDelay: true, keepAlive: true, keepAliveInitialDelay: KEEPALIVE_MS }, (socket) =>
      this.accept(socket),
    );
  }

  /** Where the server listens (after {@link listen}). */
  get address(): DirectAddress {
    if (!this.bound) throw new UnavailableError('the direct data-plane server is not listening');
    return this.bound;
  }

  /** Starts listening; resolves with the bound address (the port chosen when 0 was asked for). */
  listen(): Promise<DirectAddress> {
    const host = this.options.bindHost ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      this.server.once('error', (e) =>
        reject(new UnavailableError(`cannot listen on ${host}:${this.options.port ?? 0}: ${e.message}`, { cause: e })),
      );
      this.server.listen(this.options.port ?? 0, host, () => {
        const bound = this.server.address() as net.AddressInfo;
        this.bound = { host: bound.address, port: bound.port };
        resolve(this.bound);
      });
    });
  }

  /** Stops listening and closes every connection; peers with requests in flight fall back at once. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.connections) socket.destroy();
    this.connections.clear();
    if (this.bound) await closed;
  }

  private accept(socket: net.Socket): void {
    this.connections.add(socket);
    const maxPending = this.options.maxPendingPerConnection ?? 4096;
    let state: 'hello' | 'open' | 'refused' = 'hello';
    let pending = 0;
    const writer = new FrameWriter(socket);
    const write = (buffers: Buffer[]): void => writer.write(buffers);
    // Backpressure: a peer that sends faster than its replies can be written, or than handlers
    // finish, is not read from until it catches up.
    const throttle = (): void => {
      if (pending >= maxPending || socket.writableNeedDrain) socket.pause();
      else if (socket.isPaused()) socket.resume();
    };
    socket.on('drain', throttle);
    const finished = (buffers: Buffer[]): void => {
      pending--;
      write(buffers);
      throttle();
    };
    const onFrame = (frame: Frame): void => {
      if (state === 'refused') return;
      if (state === 'hello') {
        state = this.greet(frame, writer, nonce) ? 'open' : 'refused';
        return;
      }
      if (frame.kind !== FrameKind.Request) throw new Error(`unexpected frame of kind ${String(frame.kind)}`);
      const { subject, payload } = decodeRequest(frame.body);
      const handler = this.lookup(subject);
      if (!handler) {
        write(encodeFrame(FrameKind.NotHere, frame.id, EMPTY));
        return;
      }
      pending++;
      const id = frame.id;
      let handling: Promise<Uint8Array>;
      try {
        handling = handler(payload);
      } catch (e) {
        finished(encodeFrame(FrameKind.Error, id, packr.pack(toWireError(e)))); // A handler that throws instead of rejecting.
        return;
      }
      handling.then(
        (reply) => finished(encodeFrame(FrameKind.Reply, id, reply)),
        (e: unknown) => finished(encodeFrame(FrameKind.Error, id, packr.pack(toWireError(e)))),
      );
      throttle();
    };
    const nonce = this.options.secret ? newNonce() : undefined;
    if (nonce) writer.write(encodeFrame(FrameKind.Challenge, 0, packr.pack({ v: FRAME_VERSION, nonce })));
    const reader = new FrameReader(onFrame, this.options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
    socket.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk);
      } catch {
        // A peer that breaks the framing cannot be answered in it; closing makes it fall back.
        socket.destroy();
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.connections.delete(socket));
  }

  /** Checks the first frame: a hello of this framing version for this application; refuses and closes otherwise. */
  private greet(frame: Frame, writer: FrameWriter, nonce: Buffer | undefined): boolean {
    const hello =
      frame.kind === FrameKind.Hello
        ? (packr.unpack(frame.body) as { v?: unknown; app?: unknown; from?: unknown; proof?: unknown })
        : undefined;
    let refusal: string | undefined;
    if (!hello) refusal = 'the first frame of a connection must be a hello';
    else if (hello.v !== FRAME_VERSION) refusal = `framing version ${String(hello.v)} is not ${FRAME_VERSION}`;
    else if (hello.app !== this.options.app)
      refusal = `this host serves application '${this.options.app}', not '${String(hello.app)}'`;
    else if (
      nonce &&
      this.options.secret &&
      !verifyProof(this.options.secret, nonce, this.options.app, String(hello.from), hello.proof)
    )
      refusal = `the hello does not prove the data-plane secret of application '${this.options.app}'`;
    if (refusal === undefined) {
      writer.write(encodeFrame(FrameKind.Welcome, 0, packr.pack({ v: FRAME_VERSION, host: this.options.hostId })));
      return true;
    }
    writer.write(encodeFrame(FrameKind.Error, 0, packr.pack(new InvalidArgumentError(refusal).toWire())));
    writer.end();
    return false;
  }
}
