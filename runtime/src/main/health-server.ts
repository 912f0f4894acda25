import { createServer, type Server } from 'node:http';

/** What `GET /healthz` answers: 200 when healthy, else 503; `text` says why. */
export interface HealthStatus {
  readonly healthy: boolean;
  readonly text: string;
}

/**
 * Serves `GET /healthz` on `port` (all interfaces) for container health checks and Kubernetes
 * probes, asking `status` at every request; any other path is 404.
 * @throws Error when `port` is not a port number or cannot be listened on.
 */
export function serveHealth(port: number, status: () => HealthStatus): Promise<Server> {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    return Promise.reject(new Error(`PRAAS_HEALTH_PORT must be a port number, got '${port}'`));
  }
  const server = createServer((req, res) => {
    if (req.url !== '/healthz') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
      return;
    }
    const { healthy, text } = status();
    res.writeHead(healthy ? 200 : 503, { 'content-type': 'text/plain' });
    res.end(`${text}\n`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}
