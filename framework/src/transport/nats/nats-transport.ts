import { headers as natsHeaders, type Msg, type NatsConnection, type Subscription as NatsSubscription } from 'nats';
import { fromWireError, PayloadTooLargeError, toWireError, UnavailableError } from '../../errors';
import type { BackupQueue, RequestHandler, RequestOptions, ServeOptions, Subscription, Transport } from '../transport';
import { silentLogger, type Logger } from '../../logging/logger';
import { NatsBackupQueue, type NatsBackupQueueOptions } from './nats-backup-queue';
import { connectNats, fromNatsError, type NatsConnectionOptions } from './nats-connection';

/** Options of {@link NatsTransport.connect}. */
export interface NatsTransportOptions extends NatsConnectionOptions, NatsBackupQueueOptions {}

/*
 * A handler that fails, or a reply over the server's max_payload, cannot travel as the reply
 * itself: the transport knows bytes, not envelopes. It answers with an empty body and these
 * headers instead, so the requester fails at once with the error rather than waiting for a timeout.
 */
const ERROR_CODE_HEADER = 'Praas-Error-Code';
const ERROR_MESSAGE_HEADER = 'Praas-Error-Message';
const ERROR_DETAILS_HEADER = 'Praas-Error-Details';
const EMPTY = new Uint8Array(0);

/**
 * The data plane on NATS (DESIGN §5): core request/reply for live traffic (a subscription per
 * served subject, optionally in a queue group) and a JetStream backup queue.
 * @example
 * ```ts
 * const transport = await NatsTransport.connect({ servers: 'nats://127.0.0.1:4222', name: 'host-1' });
 * await transport.serve('praas.demo.p.counter-1', async (bytes) => bytes);
 * await transport.close();
 * ```
 */
export class NatsTransport implements Transport {
  readonly backup: BackupQueue;
  private readonly subscriptions = new Set<NatsSubscription>();
  private readonly logger: Logger;
  private closing: Promise<void> | undefined;

  /**
   * Wraps a connection; the transport owns it from now on and drains it on close.
   * Prefer {@link NatsTransport.connect}.
   */
  constructor(
    readonly connection: NatsConnection,
    options: NatsBackupQueueOptions = {},
  ) {
    this.backup = new NatsBackupQueue(connection, options);
    this.logger = options.logger ?? silentLogger;
  }

  /** Connects to NATS (unlimited reconnects, see {@link connectNats}) and returns a transport on that connection. */
  static async connect(options: NatsTransportOptions): Promise<NatsTransport> {
    const nc = await connectNats(options);
    try {
      return new NatsTransport(nc, options);
    } catch (e) {
      await nc.close();
      throw e;
    }
  }

  /** The server's largest accepted message in bytes (headers included). */
  get maxPayload(): number {
    return this.connection.info?.max_payload ?? Number.POSITIVE_INFINITY;
  }

  /** Resolves once the server knows the subscription, so a request sent afterwards finds it. */
  async serve(subject: string, handler: RequestHandler, options: ServeOptions = {}): Promise<Subscription> {
    this.assertOpen();
    // A subscription the server refuses (permissions) is closed with the error, reported before the flush completes.
    let refused: Error | undefined;
    const sub = this.connection.subscribe(subject, {
      ...(options.queue === undefined ? {} : { queue: options.queue }),
      callback: (err, msg) => {
        if (err) {
          refused = err;
          return;
        }
        let handling: Promise<Uint8Array>;
        try {
          handling = handler(msg.data);
        } catch (e) {
          this.respondError(msg, e); // A handler that throws instead of rejecting.
          return;
        }
        handling.then(
          (reply) => this.respond(msg, reply),
          (e: unknown) => this.respondError(msg, e),
        );
      },
    });
    this.subscriptions.add(sub);
    try {
      await this.connection.flush();
      if (refused !== undefined) throw refused;
    } catch (e) {
      sub.unsubscribe();
      this.subscriptions.delete(sub);
      throw fromNatsError(e, { subject, what: `subscription to '${subject}'`, size: 0 });
    }
    return {
      unsubscribe: () => {
        this.subscriptions.delete(sub);
        // drain: requests already delivered to this subscription are still handled and answered.
        if (sub.isClosed()) return Promise.resolve();
        return sub.drain().catch((e: unknown) =>
          this.logger.warn('cannot drain a subscription; requests delivered to it may go unanswered', {
            subject,
            err: e,
          }),
        );
      },
    };
  }

  async request(subject: string, data: Uint8Array, options: RequestOptions): Promise<Uint8Array> {
    this.assertOpen();
    this.assertFits(`request to '${subject}'`, data.length);
    let reply: Msg;
    try {
      reply = await this.connection.request(subject, data, { timeout: options.timeoutMs });
    } catch (e) {
      throw fromNatsError(e, {
        subject,
        what: `request to '${subject}'`,
        size: data.length,
        timeoutMs: options.timeoutMs,
        maxPayload: this.maxPayload,
      });
    }
    const code = reply.headers?.get(ERROR_CODE_HEADER);
    if (code) {
      const details = reply.headers?.get(ERROR_DETAILS_HEADER);
      throw fromWireError({
        code,
        message: decodeURIComponent(reply.headers?.get(ERROR_MESSAGE_HEADER) ?? ''),
        details: details ? (JSON.parse(decodeURIComponent(details)) as Record<string, unknown>) : {},
      });
    }
    return reply.data;
  }

  async publish(subject: string, data: Uint8Array): Promise<void> {
    this.assertOpen();
    this.assertFits(`message to '${subject}'`, data.length);
    try {
      this.connection.publish(subject, data);
    } catch (e) {
      throw fromNatsError(e, { subject, what: `message to '${subject}'`, size: data.length });
    }
  }

  /** Stops serving, lets handlers in flight answer, flushes what is buffered and closes the connection. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.subscriptions.clear();
      if (!this.connection.isClosed()) await this.connection.drain().catch(() => this.connection.close());
    })();
    return this.closing;
  }

  private respond(msg: Msg, reply: Uint8Array): void {
    if (!msg.reply) return;
    if (reply.length > this.maxPayload) {
      this.respondError(msg, new PayloadTooLargeError(`reply on '${msg.subject}'`, reply.length, this.maxPayload));
      return;
    }
    try {
      msg.respond(reply);
    } catch (e) {
      this.respondError(msg, e);
    }
  }

  private respondError(msg: Msg, error: unknown): void {
    if (!msg.reply || this.connection.isClosed()) return;
    const wire = toWireError(error);
    const h = natsHeaders();
    h.set(ERROR_CODE_HEADER, wire.code);
    h.set(ERROR_MESSAGE_HEADER, encodeURIComponent(wire.message));
    h.set(ERROR_DETAILS_HEADER, encodeURIComponent(JSON.stringify(wire.details ?? {})));
    try {
      msg.respond(EMPTY, { headers: h });
    } catch (e) {
      // The connection closed under us: the requester times out, which is all that is left to tell it.
      this.logger.debug('cannot answer a request with its error; the requester times out', {
        subject: msg.subject,
        code: wire.code,
        err: e,
      });
    }
  }

  /** Fails fast, naming the limit, instead of letting the server drop the connection. */
  private assertFits(what: string, size: number): void {
    const limit = this.maxPayload;
    if (size > limit) throw new PayloadTooLargeError(what, size, limit);
  }

  private assertOpen(): void {
    if (this.closing || this.connection.isClosed()) throw new UnavailableError('the NATS transport is closed');
  }
}
