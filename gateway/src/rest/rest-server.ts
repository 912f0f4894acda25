import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { silentLogger, UnavailableError, type Logger } from '@praas/framework';
import type { GatewayOperations } from '../control/gateway-operations';
import { httpStatusOf, publicError } from '../errors/http-status';
import { withErrorCallback, type ErrorCallback } from '../logging/error-callback';
import type { GatewayMetrics } from '../metrics/gateway-metrics';
import { PROMETHEUS_CONTENT_TYPE } from '../metrics/metrics-registry';
import { DEFAULT_BODY_LIMIT_BYTES, DEFAULT_BUNDLE_LIMIT_BYTES, readBody } from './body-reader';
import { handleOperation, type RestReply } from './rest-handlers';
import { matchRoute, routeTemplateOf, type RouteMatch } from './routes';
import { watchEventJson } from '../records/record-fields';
import { lastEventId } from './request-bodies';
import { SseStream } from './sse-stream';

/** One event of a watch stream, as it goes out. */
interface WatchFrame {
  readonly event: string;
  readonly data: unknown;
  readonly id?: number;
}

export interface RestServerOptions {
  readonly operations: GatewayOperations;
  readonly metrics: GatewayMetrics;
  /** Largest request body accepted; larger ones get 413 (default 1 MiB). */
  readonly bodyLimitBytes?: number;
  /** Largest code bundle `PUT /v1/apps/{app}/versions` accepts (default 64 MiB). */
  readonly bundleLimitBytes?: number;
  /** Interval of keep-alive comments on event streams (default 15 000 ms). */
  readonly sseKeepAliveMs?: number;
  /** Where the server logs: errors that are the gateway's own fault, streams that did not end cleanly (default: nowhere). */
  readonly logger?: Logger;
  /**
   * Also told about each error record, with its error.
   * @deprecated give a `logger`.
   */
  readonly log?: ErrorCallback;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The REST API of DESIGN §4 on node:http. Every failure becomes `{ error: { code, message,
 * details } }` with a status mapped from the error code; nothing a client sends can make it
 * answer with a stack trace or stop serving.
 */
export class RestServer {
  private readonly server: Server;
  private readonly streams = new Set<SseStream>();
  /** Open connections and how many requests each is serving, so `close` can drop the ones serving none. */
  private readonly connections = new Map<Socket, number>();
  private readonly bodyLimit: number;
  private readonly bundleLimit: number;
  private readonly keepAliveMs: number;
  private readonly logger: Logger;
  private stopping = false;

  constructor(private readonly options: RestServerOptions) {
    this.bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
    this.bundleLimit = options.bundleLimitBytes ?? DEFAULT_BUNDLE_LIMIT_BYTES;
    this.keepAliveMs = options.sseKeepAliveMs ?? 15_000;
    this.logger = withErrorCallback(options.logger ?? silentLogger, options.log);
    this.server = createServer((req, res) => {
      const socket = req.socket;
      this.connections.set(socket, (this.connections.get(socket) ?? 0) + 1);
      res.once('close', () => {
        if (this.connections.has(socket)) this.connections.set(socket, (this.connections.get(socket) ?? 1) - 1);
      });
      this.handle(req, res).catch((e: unknown) => {
        // Only writing the answer itself can get here; the request cannot be answered any more.
        this.logger.error('a request could not be answered', { method: req.method, url: req.url, err: e });
        res.destroy();
      });
    });
    this.server.on('connection', (socket: Socket) => {
      this.connections.set(socket, 0);
      socket.once('close', () => this.connections.delete(socket));
    });
  }

  /** Starts listening; port 0 picks a free port. Resolves with the bound address. */
  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /**
   * Stops accepting connections, ends every event stream, lets requests in flight finish for up
   * to `graceMs`, then closes whatever connections remain.
   */
  close(graceMs = 5_000): Promise<void> {
    this.stopping = true;
    for (const s of [...this.streams]) s.end();
    if (!this.server.listening) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.server.closeAllConnections(), graceMs);
      this.server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      // Idle keep-alive connections, and connections a client opened ahead without sending a request yet.
      this.server.closeIdleConnections();
      for (const [socket, requests] of this.connections) if (requests === 0) socket.destroy();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const method = req.method ?? '';
    const url = req.url ?? '';
    const queryAt = url.indexOf('?');
    const path = queryAt < 0 ? url : url.slice(0, queryAt);
    let route = routeTemplateOf(path);
    const finish = (status: number): void => {
      this.options.metrics.httpRequests.inc({ route, method: metricMethod(method), status: String(status) });
      this.options.metrics.httpSeconds.observe({ route }, Number(process.hrtime.bigint() - started) / 1e9);
    };
    try {
      const match = matchRoute(method, path);
      route = match.template;
      const query = new URLSearchParams(queryAt < 0 ? '' : url.slice(queryAt + 1));
      const body = await readBody(req, match.name === 'deployVersion' ? this.bundleLimit : this.bodyLimit);
      if (match.name === 'watchProcesses') {
        await this.watch(match, req, res);
        finish(200);
        return;
      }
      const reply = await this.reply(match, query, req, body);
      this.write(res, reply);
      finish(reply.status);
    } catch (error) {
      const status = this.writeError(req, res, error);
      finish(status);
    }
  }

  private async reply(
    match: RouteMatch,
    query: URLSearchParams,
    req: IncomingMessage,
    body: Buffer,
  ): Promise<RestReply> {
    switch (match.name) {
      case 'health':
        if (this.stopping) throw new UnavailableError('the gateway is stopping');
        return { status: 200, body: JSON.stringify({ status: 'ok' }) };
      case 'metrics':
        return { status: 200, body: await this.options.metrics.render(), contentType: PROMETHEUS_CONTENT_TYPE };
      default:
        return handleOperation(this.options.operations, { match, query, headers: req.headers, body });
    }
  }

  /**
   * The membership watch as server-sent events: `snapshot`, a `put` per current process, `synced`,
   * then the changes; each change with its registry revision as `id`. A client that reconnects
   * with `Last-Event-ID` gets what changed after it instead of the snapshot (or a fresh snapshot,
   * announced by `snapshot`, when that revision is too old to resume from).
   */
  private async watch(match: RouteMatch, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.stopping) throw new UnavailableError('the gateway is stopping');
    const afterRevision = lastEventId(req.headers['last-event-id']);
    // Events that arrive before the stream is open are held, then sent in order.
    const early: WatchFrame[] = [];
    let deliver = (frame: WatchFrame): void => void early.push(frame);
    const subscription = await this.options.operations.watchProcesses(
      match.params['app']!,
      (event) => deliver({ event: event.type, data: watchEventJson(event), id: event.revision }),
      {
        ...(afterRevision === undefined ? {} : { afterRevision }),
        onSnapshot: () => deliver({ event: 'snapshot', data: { type: 'snapshot' } }),
        onSynced: () => deliver({ event: 'synced', data: { type: 'synced' } }),
      },
    );
    const sse = new SseStream(res, this.keepAliveMs);
    for (const frame of early) sse.send(frame.event, frame.data, frame.id);
    deliver = (frame) => sse.send(frame.event, frame.data, frame.id);
    this.streams.add(sse);
    this.options.metrics.watchStreams.inc({ protocol: 'sse' });
    sse.onEnd(() => {
      this.streams.delete(sse);
      this.options.metrics.watchStreams.dec({ protocol: 'sse' });
      subscription
        .unsubscribe()
        .catch((e: unknown) => this.logger.warn('ending a process watch failed', { app: match.params['app'], err: e }));
    });
    if (this.stopping) sse.end();
  }

  private write(res: ServerResponse, reply: RestReply): void {
    const headers: Record<string, string | number> = { ...reply.headers };
    // While stopping, no connection is kept for another request.
    if (this.stopping) headers['Connection'] = 'close';
    if (reply.body !== undefined) {
      headers['Content-Type'] = reply.contentType ?? JSON_TYPE;
      headers['Content-Length'] = Buffer.byteLength(reply.body);
    }
    res.writeHead(reply.status, headers);
    res.end(reply.body);
  }

  private writeError(req: IncomingMessage, res: ServerResponse, error: unknown): number {
    const wire = publicError(error);
    const status = httpStatusOf(wire.code);
    if (status >= 500 && wire.code === 'INTERNAL')
      this.logger.error('a request failed inside the gateway', { method: req.method, url: req.url, err: error });
    if (res.headersSent) {
      res.end();
      return status;
    }
    const text = JSON.stringify({ error: wire });
    const headers: Record<string, string | number> = {
      'Content-Type': JSON_TYPE,
      'Content-Length': Buffer.byteLength(text),
    };
    if (this.stopping) headers['Connection'] = 'close';
    if (status === 405 && Array.isArray(wire.details?.['allowed']))
      headers['Allow'] = (wire.details['allowed'] as string[]).join(', ');
    res.writeHead(status, headers);
    res.end(text);
    return status;
  }
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

/** The method as a metrics label; anything unusual becomes `other` so clients cannot add series. */
function metricMethod(method: string): string {
  return METHODS.has(method) ? method : 'other';
}
