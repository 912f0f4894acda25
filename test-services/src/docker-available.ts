import { existsSync } from 'node:fs';
import http from 'node:http';

/**
 * Whether a Docker engine answers, decided within `timeoutMs` by pinging the socket that
 * `DOCKER_HOST` names (unix:// or tcp://) or `/var/run/docker.sock`. A Docker client without an
 * engine answers false quickly, so callers can fall back to local servers.
 */
export async function dockerAvailable(timeoutMs = 1_500): Promise<boolean> {
  const target = dockerTarget();
  if (!target) return false;
  return new Promise((resolve) => {
    const req = http.get({ ...target, path: '/_ping', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

function dockerTarget(): { socketPath: string } | { host: string; port: number } | undefined {
  const configured = process.env['DOCKER_HOST'];
  if (configured) {
    if (configured.startsWith('unix://')) return { socketPath: configured.slice('unix://'.length) };
    if (configured.startsWith('tcp://')) {
      const url = new URL(configured.replace(/^tcp:/, 'http:'));
      return { host: url.hostname, port: Number(url.port || 2375) };
    }
    return undefined; // ssh:// and friends: let the caller fall back rather than guess.
  }
  return existsSync('/var/run/docker.sock') ? { socketPath: '/var/run/docker.sock' } : undefined;
}
