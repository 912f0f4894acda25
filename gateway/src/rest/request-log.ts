import type { IncomingMessage } from 'node:http';
import type { Logger } from '@praas/framework/internal';
import type { RouteMatch } from './routes';

/** What the request log knows of one answered request. */
export interface RequestLogEntry {
  readonly method: string;
  /** The route template (`/v1/apps/{app}/invoke/{fn}`), or the raw path's template when no route matched. */
  readonly route: string;
  readonly status: number;
  readonly seconds: number;
  readonly match: RouteMatch | undefined;
  readonly query: URLSearchParams | undefined;
  readonly headers: IncomingMessage['headers'];
}

/** Probes, scrapes and the dashboard's files come often: they are logged at debug so they do not drown the rest. */
const QUIET_ROUTES: ReadonlySet<string> = new Set(['health', 'metrics', 'home', 'ui', 'uiAsset']);

/**
 * One record per answered request (`msg: "request"`): method, route template, status, ms, and
 * the application, process and function it named. Never a body, never a query value other than the
 * pid, never a header value other than Praas-Process: those may carry user data or credentials.
 */
export function logRequest(logger: Logger, entry: RequestLogEntry): void {
  const level = entry.status >= 500 ? 'warn' : QUIET_ROUTES.has(entry.match?.name ?? '') ? 'debug' : 'info';
  if (!logger.isLevelEnabled(level)) return;
  const params = entry.match?.params ?? {};
  const header = entry.headers['praas-process'];
  const pid = params['pid'] ?? entry.query?.get('pid') ?? (typeof header === 'string' ? header : undefined);
  logger[level]('request', {
    method: entry.method,
    route: entry.route,
    status: entry.status,
    ms: Math.round(entry.seconds * 1e6) / 1e3,
    ...(params['app'] === undefined ? {} : { app: params['app'] }),
    ...(pid === undefined || pid === '' ? {} : { pid }),
    ...(params['fn'] === undefined ? {} : { fn: params['fn'] }),
  });
}
