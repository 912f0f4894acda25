import { createServer, type Server, type ServerResponse } from 'node:http';
import { UnavailableError, type WireError } from '@praas/framework';

const JSON_TYPE = 'application/json; charset=utf-8';

function answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const error = (code: string, message: string, details: Record<string, unknown> = {}): { error: WireError } => ({
  error: { code, message, details },
});

/**
 * The host's health endpoint (PRAAS_HEALTH_PORT), answering as the gateway's does: `GET /healthz`
 * is 200 `{ "status": "ok" }`, or 503 `{ "error": { "code": "UNAVAILABLE", "message": <reason> } }`
 * while `unhealthy()` gives a reason; other paths and methods get the same error format.
 */
export function serveHealth(port: number, unhealthy: () => string | undefined): Promise<Server> {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    return Promise.reject(new Error(`PRAAS_HEALTH_PORT must be a port number, got '${port}'`));
  }
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?', 1)[0];
    if (path !== '/healthz') {
      answer(res, 404, error('ROUTE_NOT_FOUND', `no route ${path}; a runtime host serves GET /healthz`, { path }));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const details = { method: req.method, allowed: ['GET', 'HEAD'] };
      answer(res, 405, error('METHOD_NOT_ALLOWED', `${req.method} is not allowed on /healthz`, details), {
        allow: 'GET, HEAD',
      });
      return;
    }
    const reason = unhealthy();
    if (reason === undefined) answer(res, 200, { status: 'ok' });
    else answer(res, 503, { error: new UnavailableError(reason).toWire() });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}
