import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { FrontEndOptions } from '../config/front-end-options';
import type { AddressInfo, Socket } from 'node:net';
import {
  failSpan,
  inSpan,
  silentLogger,
  SpanKind,
  traceContextOf,
  UnavailableError,
  type Logger,
  type Span,
} from '@praas/framework/internal';
import { GatewayAuth, type Principal } from '../auth/gateway-auth';
import { httpStatusOf, publicError } from '../errors/http-status';
import { withErrorCallback } from '../logging/error-callback';
import { DEFAULT_BODY_LIMIT_BYTES, DEFAULT_BUNDLE_LIMIT_BYTES, readBody } from './body-reader';
import { handleOperation, type RestReply } from './rest-handlers';
import { matchRoute, routeTemplateOf, type RouteMatch } from './routes';
import { watchEventJson } from '../records/record-fields';
import { lastEventId } from './request-bodies';
import { SseStream } from './sse-stream';
import { logRequest } from './request-log';
import { HOME_REDIRECT, uiFile, type UiDirectories } from '../ui/ui-files';

/** One event of a watch stream, as it goes out. */
interface WatchFrame {
  readonly event: string;
  readonly data: unknown;
  readonly id?: number;
}

/** Options of {@link RestServer}: those of both front ends, and the keep-alive of event streams. */
export interface RestServerOptions extends FrontEndOptions {
  /** Interval of keep-alive comments on event streams (default 15 000 ms). */
  readonly sseKeepAliveMs?: number;
  /** Where the dashboard's files are (default: in this package). */
  readonly ui?: UiDirectories;
}

const JSON_TYPE = 'application/json; charset=utf-8';
/** Probes and scrapes come every few seconds: they would drown the traces that matter. */
const UNTRACED_PATHS: ReadonlySet<string> = new Set(['/healthz', '/metrics']);

/**
 * The REST API of DESIGN §4 on node:http. Every failure becomes `{ error: { code, message,
 * details } }` with a status mapped from the error code; nothing a client sends can make it
 * answer with a stack trace or stop serving.
 */
/** How long the server keeps an idle keep-alive connection open. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export class RestServer {
  private readonly server: Server;
  private readonly streams = new Set<SseStream>();
  /** Open connections and how many requests each is serving, so `close` can drop the ones serving none. */
  private readonly connections = new Map<Socket, number>();
  private readonly bodyLimit: number;
  private readonly bundleLimit: number;
  private readonly keepAliveMs: number;
  private readonly logger: Logger;
  private readonly auth: GatewayAuth;
  private stopping = false;

  constructor(private readonly options: RestServerOptions) {
    this.auth = options.auth ?? GatewayAuth.open();
    this.bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
    this.bundleLimit = options.bundleLimitBytes ?? DEFAULT_BUNDLE_LIMIT_BYTES;
    this.keepAliveMs = options.sseKeepAliveMs ?? 15_000;
    this.logger = withErrorCallback(options.logger ?? silentLogger, options.log);
    const onRequest: RequestListener = (req, res) => {
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
    };
    this.server = options.tls
      ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, onRequest)
      : createServer(onRequest);
    // Idle keep-alive connections stay open longer than clients keep them (undici: 4 s, load
    // balancers: 60 s), so the client, not the server, closes an idle one: a request a client sends
    // on a connection the server is closing at that moment fails with "other side closed".
    this.server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    this.server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
    this.server.on(options.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
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

  /**
   * Serves one request in a span named after its route (`POST /v1/apps/{app}/invoke/{fn}`), child
   * of the caller's `traceparent` header. Probes and scrapes are not traced.
   */
  private handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '';
    const queryAt = url.indexOf('?');
    const path = queryAt < 0 ? url : url.slice(0, queryAt);
    if (UNTRACED_PATHS.has(path) || path.startsWith('/ui')) return this.serve(req, res, path, undefined);
    const method = req.method ?? '';
    return inSpan(
      `${method} ${routeTemplateOf(path)}`,
      { kind: SpanKind.SERVER, parent: traceContextOf(req.headers), attributes: { 'http.request.method': method } },
      (span) => this.serve(req, res, path, span),
    );
  }

  private async serve(req: IncomingMessage, res: ServerResponse, path: string, span: Span | undefined): Promise<void> {
    const started = process.hrtime.bigint();
    const method = req.method ?? '';
    const url = req.url ?? '';
    const queryAt = url.indexOf('?');
    let route = routeTemplateOf(path);
    let match: RouteMatch | undefined;
    let query: URLSearchParams | undefined;
    const finish = (status: number): void => {
      span?.setAttributes({ 'http.route': route, 'http.response.status_code': status });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.options.metrics.httpRequests.inc({ route, method: metricMethod(method), status: String(status) });
      this.options.metrics.httpSeconds.observe({ route }, seconds);
      logRequest(this.logger, { method, route, status, seconds, match, query, headers: req.headers });
    };
    try {
      match = this.matchAuthorized(method, path, req.headers.authorization);
      route = match.template;
      span?.updateName(`${method} ${route}`);
      const principal = this.auth.check(match.name, req.headers.authorization, match.params['app']);
      query = new URLSearchParams(queryAt < 0 ? '' : url.slice(queryAt + 1));
      const body = await readBody(req, match.name === 'deployVersion' ? this.bundleLimit : this.bodyLimit);
      if (match.name === 'watchProcesses') {
        await this.watch(match, req, res);
        finish(200);
        return;
      }
      const reply = await this.reply(match, query, req, body, principal);
      this.write(res, reply);
      finish(reply.status);
    } catch (error) {
      const status = this.writeError(req, res, error);
      if (span && status >= 500) failSpan(span, error);
      finish(status);
    }
  }

  private async reply(
    match: RouteMatch,
    query: URLSearchParams,
    req: IncomingMessage,
    body: Buffer,
    principal: Principal,
  ): Promise<RestReply> {
    switch (match.name) {
      case 'health':
        if (this.stopping) throw new UnavailableError('the gateway is stopping');
        return { status: 200, body: JSON.stringify({ status: 'ok' }) };
      case 'metrics':
        return {
          status: 200,
          body: await this.options.metrics.render(),
          contentType: this.options.metrics.contentType,
        };
      case 'home':
        return HOME_REDIRECT;
      case 'ui':
        return uiFile('index.html', this.options.ui);
      case 'uiAsset':
        return uiFile(match.params['file']!, this.options.ui);
      default:
        return handleOperation(this.options.operations, {
          match,
          query,
          headers: req.headers,
          body,
          sees: (app) => this.auth.sees(principal, app),
        });
    }
  }

  /**
   * The route of a request, checked against the credential before the body is read: a caller
   * without a valid token learns nothing of the API (every path but /healthz answers 401).
   */
  private matchAuthorized(method: string, path: string, credential: string | undefined): RouteMatch {
    try {
      return matchRoute(method, path);
    } catch (e) {
      if (path !== '/healthz' && path !== '/metrics') this.auth.check('listApps', credential);
      throw e;
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
