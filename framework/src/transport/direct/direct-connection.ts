import net from 'node:net';
import { Packr } from 'msgpackr';
import { fromWireError, TimeoutError, UnavailableError, type WireError } from '../../errors';
import { formatAddress, type DirectAddress } from './address';
import { handshakeProof } from './handshake-proof';
import { FrameWriter } from './frame-writer';
import {
  DEFAULT_MAX_FRAME_BYTES,
  encodeFrame,
  encodeRequest,
  FRAME_VERSION,
  FrameKind,
  FrameReader,
  type Frame,
} from './frame';

/** What a direct request came back with: the handler's reply, or word that nobody serves the subject there. */
export type DirectReply = { readonly kind: 'reply'; readonly data: Uint8Array } | { readonly kind: 'not-here' };

/**
 * The connection to a peer failed or broke before the reply came. `sent` tells whether the request
 * may have reached the peer (it was written before the failure); the caller falls back either way,
 * and a receiver drops what it sees twice by message id.
 */
export class ConnectionLostError extends UnavailableError {
  constructor(
    readonly address: string,
    readonly sent: boolean,
    reason: string,
    cause?: unknown,
  ) {
    super(`direct connection to ${address} ${reason}`, { details: { address, sent }, cause });
    this.reason = reason;
  }
  /** Why the connection failed, e.g. `failed: connect ECONNREFUSED 127.0.0.1:7400`. */
  readonly reason: string;
}

/** Options of {@link DirectConnection}. */
export interface DirectConnectionOptions {
  /** The application whose host the connection goes to; the listener refuses a connection for another. */
  readonly app: string;
  /** Who dials (a host id, `gateway`, a client): shown to the listener. */
  readonly from: string;
  /** Requests written and not yet answered, at most (default 1024); further requests wait their turn. */
  readonly maxInFlight?: number;
  /** Bytes of requests written and not yet answered, at most (default 32 MiB; one larger request may go alone). */
  readonly maxInFlightBytes?: number;
  /** How long connecting may take before the connection counts as failed (default 2 000 ms). */
  readonly connectTimeoutMs?: number;
  /** Largest reply frame accepted (default 64 MiB). */
  readonly maxFrameBytes?: number;
  /**
   * The application's data-plane secret: the hello waits for the listener's challenge and carries
   * the proof ({@link handshakeProof}). Without it the hello goes at once, and a listener that
   * needs proof refuses the connection.
   */
  readonly secret?: Uint8Array;
}

interface Pending {
  readonly resolve: (reply: DirectReply) => void;
  readonly reject: (error: Error) => void;
  readonly size: number;
  readonly subject: string;
  readonly timeoutMs: number;
  readonly deadline: number;
}

/**
 * How often unanswered requests are checked against their deadlines: one timer per connection
 * instead of one per request (a timeout fires at most this much late).
 */
const SWEEP_MS = 20;
/** Idle time before TCP keepalive probes start on a direct connection. */
export const KEEPALIVE_MS = 10_000;

interface Waiter {
  readonly size: number;
  readonly admit: () => void;
  readonly reject: (error: Error) => void;
}

const packr = new Packr({ useRecords: false, mapsAsObjects: true });

/**
 * One multiplexed connection to a peer host's data port (DESIGN §5a). Requests carry ids, replies
 * come back by id in any order; writes made in one tick go out together (cork/uncork: one syscall
 * per batch); at most `maxInFlight` requests are unanswered at a time, later ones wait in order.
 * When the connection fails, every pending and waiting request fails at once with a
 * {@link ConnectionLostError}, so callers fall back without waiting for their timeouts.
 */
export class DirectConnection {
  readonly address: string;
  private readonly socket: net.Socket;
  private readonly pending = new Map<number, Pending>();
  private readonly waiters: Waiter[] = [];
  private readonly maxInFlight: number;
  private readonly maxInFlightBytes: number;
  private inFlightBytes = 0;
  private nextId = 1;
  private readonly writer: FrameWriter;
  private sweeper: NodeJS.Timeout | undefined;
  private connected = false;
  private welcomedValue = false;
  private readonly welcomeTimer: NodeJS.Timeout;
  private failure: ConnectionLostError | undefined;
  private readonly closed: Promise<void>;
  private readonly closeListeners: (() => void)[] = [];

  constructor(peer: DirectAddress, options: DirectConnectionOptions) {
    this.address = formatAddress(peer);
    this.maxInFlight = options.maxInFlight ?? 1024;
    this.maxInFlightBytes = options.maxInFlightBytes ?? 32 * 1024 * 1024;
    const reader = new FrameReader((frame) => this.onFrame(frame), options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
    this.socket = net.connect({
      host: peer.host,
      port: peer.port,
      noDelay: true,
      // A peer that vanished without closing (a machine gone) is noticed by TCP keepalive, not hours later.
      keepAlive: true,
      keepAliveInitialDelay: KEEPALIVE_MS,
    });
    this.writer = new FrameWriter(this.socket);
    // Until the peer welcomes the hello, it may not be a host at all (a stale address now used by
    // something else): without a welcome in time, the connection fails and its requests fall back.
    const connectTimeoutMs = options.connectTimeoutMs ?? 2_000;
    this.welcomeTimer = setTimeout(
      () =>
        this.fail(
          this.connected
            ? `did not answer the hello within ${connectTimeoutMs} ms (is it a praas host?)`
            : `did not connect within ${connectTimeoutMs} ms`,
        ),
      connectTimeoutMs,
    );
    this.welcomeTimer.unref();
    this.socket.once('connect', () => (this.connected = true));
    this.socket.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk);
      } catch (e) {
        this.fail(`sent a malformed frame: ${e instanceof Error ? e.message : String(e)}`, e);
      }
    });
    this.socket.on('error', (e) => this.fail(this.connected ? `broke: ${e.message}` : `failed: ${e.message}`, e));
    this.closed = new Promise((resolve) =>
      this.socket.once('close', () => {
        clearTimeout(this.welcomeTimer);
        this.fail('closed');
        resolve();
      }),
    );
    // The hello goes first; requests written before the welcome follow it in order. With a
    // secret, it answers the listener's challenge, and requests are held until it went.
    this.app = options.app;
    this.from = options.from;
    this.secret = options.secret;
    if (this.secret === undefined) this.writer.write(this.hello());
    else this.held = [];
  }

  private readonly app: string;
  private readonly from: string;
  private readonly secret: Uint8Array | undefined;
  /** Frames written before the hello could go (waiting for the challenge). */
  private held: Buffer[][] | undefined;

  private hello(nonce?: Uint8Array): Buffer[] {
    const proof = nonce && this.secret ? handshakeProof(this.secret, nonce, this.app, this.from) : undefined;
    return encodeFrame(
      FrameKind.Hello,
      0,
      packr.pack({ v: FRAME_VERSION, app: this.app, from: this.from, ...(proof ? { proof } : {}) }),
    );
  }

  private write(frames: Buffer[]): void {
    if (this.held) this.held.push(frames);
    else this.writer.write(frames);
  }

  /** False once the connection failed or was closed; a new one must be opened. */
  get open(): boolean {
    return this.failure === undefined;
  }

  /** True once the TCP connection was established (the peer's port answered). */
  get established(): boolean {
    return this.connected;
  }

  /** True once the peer accepted the hello: it is a host of the application. */
  get welcomed(): boolean {
    return this.welcomedValue;
  }

  /** Requests written and not answered yet. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Called once when the connection fails or closes. */
  onClose(listener: () => void): void {
    if (this.failure) queueMicrotask(listener);
    else this.closeListeners.push(listener);
  }

  /**
   * Sends a request for `subject`. The frame is written synchronously when a slot is free (so
   * calls made in order are written in order), else it waits behind the earlier waiters.
   * @throws TimeoutError when no reply came within `timeoutMs`; ConnectionLostError when the
   *   connection failed first; the handler's error, rebuilt, when the peer's handler failed.
   */
  request(subject: string, payload: Uint8Array, timeoutMs: number): Promise<DirectReply> {
    if (this.failure) return Promise.reject(new ConnectionLostError(this.address, false, this.failure.reason));
    const size = payload.length;
    if (this.waiters.length === 0 && this.hasRoom(size)) return this.send(subject, payload, timeoutMs);
    return new Promise<void>((admit, reject) => this.waiters.push({ size, admit, reject })).then(() =>
      this.send(subject, payload, timeoutMs),
    );
  }

  /** Closes the connection; pending requests fail with ConnectionLostError. */
  async close(): Promise<void> {
    this.fail('was closed by this side');
    await this.closed;
  }

  private hasRoom(size: number): boolean {
    if (this.pending.size >= this.maxInFlight) return false;
    return this.pending.size === 0 || this.inFlightBytes + size <= this.maxInFlightBytes;
  }

  private send(subject: string, payload: Uint8Array, timeoutMs: number): Promise<DirectReply> {
    if (this.failure) return Promise.reject(new ConnectionLostError(this.address, false, this.failure.reason));
    const id = this.nextId;
    this.nextId = id === 0xffffffff ? 1 : id + 1;
    const frames = encodeRequest(id, subject, payload);
    return new Promise<DirectReply>((resolve, reject) => {
      const deadline = Date.now() + timeoutMs;
      this.pending.set(id, { resolve, reject, size: payload.length, subject, timeoutMs, deadline });
      this.inFlightBytes += payload.length;
      this.sweeper ??= setTimeout(() => this.sweep(), Math.min(SWEEP_MS, timeoutMs));
      this.write(frames);
    });
  }

  /** Fails the requests whose deadline passed; runs while any request is unanswered. */
  private sweep(): void {
    this.sweeper = undefined;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [id, p] of this.pending) {
      if (p.deadline > now) {
        next = Math.min(next, p.deadline);
        continue;
      }
      this.settle(id);
      p.reject(
        new TimeoutError(`no reply from ${this.address} for '${p.subject}' within ${p.timeoutMs} ms`, {
          subject: p.subject,
          address: this.address,
        }),
      );
    }
    if (this.pending.size > 0 && !this.failure) {
      this.sweeper = setTimeout(() => this.sweep(), Math.max(1, Math.min(SWEEP_MS, next - now)));
    }
  }

  /** Removes a pending request and admits waiters into the freed room; false when it was settled already. */
  private settle(id: number): Pending | undefined {
    const entry = this.pending.get(id);
    if (!entry) return undefined;
    this.pending.delete(id);
    this.inFlightBytes -= entry.size;
    while (this.waiters.length > 0 && this.hasRoom(this.waiters[0]!.size)) this.waiters.shift()!.admit();
    return entry;
  }

  private onFrame(frame: Frame): void {
    switch (frame.kind) {
      case FrameKind.Challenge: {
        const { nonce } = packr.unpack(frame.body) as { nonce?: unknown };
        if (!(nonce instanceof Uint8Array) || this.held === undefined) {
          this.fail(
            this.held === undefined
              ? 'asks for a proof of the application secret, and this side has none (PRAAS_APP_SECRET)'
              : 'sent a challenge without a nonce',
          );
          return;
        }
        const held = this.held;
        this.held = undefined;
        this.writer.write(this.hello(nonce));
        for (const frames of held) this.writer.write(frames);
        return;
      }
      case FrameKind.Welcome:
        this.welcomedValue = true;
        clearTimeout(this.welcomeTimer);
        return;
      case FrameKind.Reply: {
        // The reply outlives the read buffer's other frames only as this view; no copy on the hot path.
        this.settle(frame.id)?.resolve({ kind: 'reply', data: frame.body });
        return;
      }
      case FrameKind.NotHere:
        this.settle(frame.id)?.resolve({ kind: 'not-here' });
        return;
      case FrameKind.Error: {
        const wire = packr.unpack(frame.body) as WireError;
        if (frame.id === 0) {
          this.fail(`was refused: ${wire.message}`);
          return;
        }
        this.settle(frame.id)?.reject(fromWireError(wire));
        return;
      }
      default:
        this.fail(`sent an unexpected frame of kind ${String(frame.kind)}`);
    }
  }

  private fail(reason: string, cause?: unknown): void {
    if (this.failure) return;
    const failure = new ConnectionLostError(this.address, true, reason, cause);
    this.failure = failure;
    clearTimeout(this.sweeper);
    clearTimeout(this.welcomeTimer);
    this.sweeper = undefined;
    this.socket.destroy();
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.inFlightBytes = 0;
    for (const p of pending) p.reject(failure);
    const notSent = new ConnectionLostError(this.address, false, reason, cause);
    for (const w of this.waiters.splice(0)) w.reject(notSent);
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}
