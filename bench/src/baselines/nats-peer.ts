/**
 * The raw NATS baseline's peer, in its own OS process like a runtime host, with nothing but
 * nats.js in between: answers requests on {@link NATS_RR_SUBJECT} with an empty reply, echoes
 * {@link NATS_PING_SUBJECT} to {@link NATS_PONG_SUBJECT}, and counts messages published on
 * {@link NATS_COUNT_SUBJECT}: a request on {@link NATS_COUNT_START_SUBJECT} carrying a 4-byte
 * count N starts a batch, and {@link NATS_COUNT_DONE_SUBJECT} is published when N arrived.
 * Started by `startPeer` with the NATS URL as its argument.
 */
import { connectNats } from '@praas/framework/nats';
import { runPeer } from './peer-process';

export const NATS_RR_SUBJECT = 'bench.raw.rr';
export const NATS_PING_SUBJECT = 'bench.raw.ping';
export const NATS_PONG_SUBJECT = 'bench.raw.pong';
export const NATS_COUNT_SUBJECT = 'bench.raw.count';
export const NATS_COUNT_START_SUBJECT = 'bench.raw.count.start';
export const NATS_COUNT_DONE_SUBJECT = 'bench.raw.count.done';

if (require.main === module) {
  runPeer<null>('nats peer', async () => {
    const url = process.argv[2];
    if (!url) throw new Error('usage: nats-peer <nats url>');
    const nc = await connectNats({ servers: url, name: 'bench-nats-peer' });
    const empty = new Uint8Array(0);
    nc.subscribe(NATS_RR_SUBJECT, { callback: (_err, msg) => msg.respond(empty) });
    nc.subscribe(NATS_PING_SUBJECT, { callback: (_err, msg) => nc.publish(NATS_PONG_SUBJECT, msg.data) });
    let expected = -1;
    let received = 0;
    nc.subscribe(NATS_COUNT_START_SUBJECT, {
      callback: (_err, msg) => {
        expected = Buffer.from(msg.data).readUInt32BE(0);
        received = 0;
        msg.respond(empty);
      },
    });
    nc.subscribe(NATS_COUNT_SUBJECT, {
      callback: () => {
        if (++received === expected) nc.publish(NATS_COUNT_DONE_SUBJECT, empty);
      },
    });
    await nc.flush();
    return { ready: null, stop: () => nc.drain() };
  });
}
