import { AckPolicy, DeliverPolicy, nanos, nuid, type JetStreamClient, type JetStreamManager } from 'nats';
import type { Logger } from '../../logging/logger';
import { encodeCursor, type PageWalk } from '../process-pages';
import type { ProcessPage, ProcessRecord } from '../registry';

const decoder = new TextDecoder();
/** An abandoned page consumer (its reader died) is removed by the server after this. */
const PAGE_CONSUMER_IDLE_MS = 30_000;

/**
 * One page of the process records of an application in a JetStream KV bucket (NATS 2.9 has no
 * paged key listing): the bucket is a stream holding the newest entry of each key (history 1), in
 * the order of the last writes, so a page is the next `walk.scan` entries of the application's
 * subjects after the cursor's stream sequence (up to the limit, or `walk.scan` entries looked at),
 * read through a short-lived pull consumer without acknowledgements. The consumer tells how many entries are left, so the page reads no more than
 * are there and never waits for new ones. Deletion markers are passed over. Costs a few round trips
 * plus O(walk.scan) here; nats-server 2.9.10 spends O(entries after the cursor) creating the
 * consumer, as it counts the entries its filter leaves pending (150-200 ms at 60,000 records).
 */
export async function readKvPage(
  js: JetStreamClient,
  jsm: JetStreamManager,
  bucket: string,
  app: string,
  walk: PageWalk,
  logger: Logger,
): Promise<ProcessPage> {
  const stream = `KV_${bucket}`;
  const info = await jsm.consumers.add(stream, {
    // Named, so that nats.js puts the filter into the request subject, where the nats-server
    // permissions of an application's user can see it (config/nats-server-auth.ts).
    name: nuid.next(),
    filter_subject: `$KV.${bucket}.${app}.>`,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: walk.after + 1,
    ack_policy: AckPolicy.None,
    inactive_threshold: nanos(PAGE_CONSUMER_IDLE_MS),
    mem_storage: true,
  });
  const processes: ProcessRecord[] = [];
  let last = walk.after;
  let left = info.num_pending;
  try {
    let scanned = 0;
    const consumer = left > 0 ? await js.consumers.get(stream, info.name) : undefined;
    while (consumer && processes.length < walk.limit && scanned < walk.scan && left > 0) {
      // Without a filter every entry but a deletion marker fills the page: no more are read than it
      // needs, so the page never stops in the middle of a batch. With one, batches are larger.
      const batch = walk.filtered
        ? Math.min(walk.scan - scanned, left, 1_000)
        : Math.min(walk.limit - processes.length, walk.scan - scanned, left);
      const messages = await consumer.fetch({ max_messages: batch, expires: 30_000 });
      let received = 0;
      for await (const m of messages) {
        scanned++;
        received++;
        last = m.seq;
        left = m.info.pending;
        const operation = m.headers?.get('KV-Operation');
        if (operation !== 'DEL' && operation !== 'PURGE') {
          const record = JSON.parse(decoder.decode(m.data)) as ProcessRecord;
          if (walk.matches(record)) processes.push(record);
        }
        if (received === batch || processes.length === walk.limit) break;
      }
      messages.stop();
    }
  } finally {
    // The server removes it after PAGE_CONSUMER_IDLE_MS anyway: a failure here costs nothing but a log line.
    jsm.consumers
      .delete(stream, info.name)
      .catch((e: unknown) =>
        logger.debug('a page consumer was not removed; the server removes it once idle', { stream, err: e }),
      );
  }
  return left > 0 ? { processes, cursor: encodeCursor(last) } : { processes };
}
