import { NatsKvRegistry, NatsTransport } from '@praas/framework/nats';
import { s3Environment, startNats, type HostProcess, type NatsService, type S3Service } from '@praas/integration';
import { startS3InChild } from './s3-child';

/**
 * What a suite running runtime hosts as OS processes stands on: nats-server, an S3 endpoint in a
 * child process, and the gateway side's NATS connection and registry.
 */
export interface HostStack {
  readonly nats: NatsService;
  readonly s3: S3Service;
  /** The S3 endpoint and bucket, as the S3 bundle store takes them. */
  readonly s3Options: { endpoint: string; accessKey: string; secretKey: string; bucket: string };
  /** The `PRAAS_S3_*` environment that points a host at that bucket. */
  readonly s3Env: Record<string, string>;
  readonly transport: NatsTransport;
  readonly registry: NatsKvRegistry;
  /** The hosts the suite spawns go here: the stack kills them when it stops. */
  readonly hosts: HostProcess[];
}

/**
 * Starts a {@link HostStack} named `name` (the NATS connection's name and the prefix of the bucket
 * when the environment names none), runs `run` on it, and stops everything whatever `run` does.
 * Hosts are SIGKILLed: nothing after the measurements is measured, and a SIGTERM would have them
 * swap out every process they hold first.
 */
export async function withHostStack<T>(name: string, run: (stack: HostStack) => Promise<T>): Promise<T> {
  let nats: NatsService | undefined;
  let s3: S3Service | undefined;
  const hosts: HostProcess[] = [];
  let transport: NatsTransport | undefined;
  let registry: NatsKvRegistry | undefined;
  try {
    nats = await startNats();
    s3 = await startS3InChild();
    const bucket = s3.bucket ?? `${name}-${Date.now().toString(36)}`;
    const s3Options = { endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey, bucket };
    transport = await NatsTransport.connect({ servers: nats.url, name });
    registry = await NatsKvRegistry.open(transport.connection);
    return await run({ nats, s3, s3Options, s3Env: s3Environment(s3, bucket), transport, registry, hosts });
  } finally {
    for (const h of hosts) await h.kill();
    await registry?.close();
    await transport?.close();
    await s3?.stop();
    await nats?.stop();
  }
}
