/**
 * Baseline peer for the data-plane benchmark, in its own OS process like a runtime host: answers
 * requests on `bench.raw.rr` with an empty reply and echoes `bench.raw.ping` to `bench.raw.pong`,
 * with nothing but nats.js in between. Usage: node raw-responder.js <nats url>
 */
import { connectNats } from '@praas/framework';

export const RAW_RR_SUBJECT = 'bench.raw.rr';
export const RAW_PING_SUBJECT = 'bench.raw.ping';
export const RAW_PONG_SUBJECT = 'bench.raw.pong';

async function main(): Promise<void> {
  const url = process.argv[2];
  if (!url) throw new Error('usage: raw-responder <nats url>');
  const nc = await connectNats({ servers: url, name: 'bench-raw-responder' });
  const empty = new Uint8Array(0);
  nc.subscribe(RAW_RR_SUBJECT, { callback: (_err, msg) => msg.respond(empty) });
  nc.subscribe(RAW_PING_SUBJECT, { callback: (_err, msg) => nc.publish(RAW_PONG_SUBJECT, msg.data) });
  await nc.flush();
  console.log('raw responder ready');
  process.on('SIGTERM', () => {
    void nc.drain().finally(() => process.exit(0));
  });
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(`raw responder failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
