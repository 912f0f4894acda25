import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { S3Service } from '@praas/integration';

/**
 * Starts an S3 endpoint (integration's `startS3`: PRAAS_S3_ENDPOINT, MinIO, or s3rver) in a child
 * Node.js process, like a real object store running beside the runtime host.
 */
export function startS3InChild(): Promise<S3Service> {
  const child = spawn(process.execPath, ['--openssl-legacy-provider', join(__dirname, 's3-server-main.js')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (b: Buffer): void => {
      out += b.toString();
      const line = out.indexOf('\n');
      if (line < 0) return;
      child.stdout.off('data', onData);
      const info = JSON.parse(out.slice(0, line)) as Omit<S3Service, 'stop'>;
      resolve({
        ...info,
        stop: async () => {
          child.stdin.end();
          await exited;
        },
      });
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the S3 server process exited with ${code} before it was ready`)));
  });
}
