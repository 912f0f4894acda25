import { createServer, type Server, type ServerResponse } from 'node:http';
import { UnavailableError, toWireError, type WireError } from '@praas/framework/internal';
import type { HostMetrics } from '../metrics/host-metrics';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * What `GET /healthz` answers, asked at every request:
 * - `{ healthy: true }`: 200 `{ "status": "ok" }`;
 * - `{ healthy: true, waiting }`: 200 `{ "status": "waiting", "message": waiting }` — up, with nothing
 *   to serve yet (a host waiting for the first deployment of its application);
 * - `{ healthy: false, reason }`: 503 in the gateway's error format, `UNAVAILABLE` with the reason.
 */
export type HealthStatus =
  { readonly healthy: true; readonly waiting?: string } | { readonly healthy: false; readonly reason: string };

function answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const error = (code: string, message: string, details: Record<string, unknown> = {}): { error: WireError } => ({
  error: { code, message, details },
});

/**
 * Serves the host's health endpoint on `port` (PRAAS_HEALTH_PORT, all interfaces) for container
 * health checks and Kubernetes probes, answering as the gateway's does: `GET /healthz` is 200 with
 * `{ "status": "ok" }` (or `"waiting"` and a message), or 503
 * `{ "error": { "code": "UNAVAILABLE", "message": <reason>, "details": {} } }`, as `status` says at
 * that moment; with `metrics`, `GET /metrics` answers the host's metrics in the Prometheus text
 * format; other paths (404) and methods (405) get the same error format.
 * @throws Error when `port` is not a port number or cannot be listened on.
 */
export function serveHealth(port: number, status: () => HealthStatus, metrics?: HostMetrics): Promise<Server> {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    return Promise.reject(new Error(`PRAAS_HEALTH_PORT must be a port number, got '${port}'`));
  }
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?', 1)[0];
    if (metrics && path === '/metrics' && req.method === 'GET') {
      serveMetrics(res, metrics);
      return;
    }
    if (path !== '/healthz') {
      const routes = metrics ? 'GET /healthz and GET /metrics' : 'GET /healthz';
      answer(res, 404, error('ROUTE_NOT_FOUND', `no route ${path}; a runtime host serves ${routes}`, { path }));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const details = { method: req.method, allowed: ['GET', 'HEAD'] };
      answer(res, 405, error('METHOD_NOT_ALLOWED', `${req.method} is not allowed on /healthz`, details), {
        allow: 'GET, HEAD',
      });
      return;
    }
    const now = status();
    if (!now.healthy) answer(res, 503, { error: new UnavailableError(now.reason).toWire() });
    else if (now.waiting === undefined) answer(res, 200, { status: 'ok' });
    else answer(res, 200, { status: 'waiting', message: now.waiting });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}

/** The host's metrics in the Prometheus text format; a failing collector answers 500 in the error format. */
function serveMetrics(res: ServerResponse, metrics: HostMetrics): void {
  metrics.render().then(
    (text) => {
      res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(text) });
      res.end(text);
    },
    (e: unknown) => answer(res, 500, { error: toWireError(e) }),
  );
}
