/**
 * Child-process entry: starts an S3 endpoint with integration's `startS3`, prints it as one JSON
 * line, and stops it when stdin closes or SIGTERM arrives. Keeps the server's CPU and memory out
 * of the benchmark's own measurements.
 */
import { startS3 } from '@praas/integration';

async function main(): Promise<void> {
  const s3 = await startS3();
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    s3.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
  process.stdout.write(
    `${JSON.stringify({ endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey, kind: s3.kind })}\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
