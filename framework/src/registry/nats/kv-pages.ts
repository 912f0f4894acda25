import { AckPolicy, DeliverPolicy, nanos, nuid, type JetStreamClient, type JetStreamManager } from 'nats';
import type { Logger } from '../../logging/logger';
import { encodeCursor, type PageWalk } from '../process-pages';
import type { ProcessPage, ProcessRecord } from '../registry';

const decoder = new TextDecoder();
/** An abandoned page consumer (its reader died) is removed by the server after this. */
const PAGE_CONSUMER_IDLE_MS = 30_000;

/** What a page of a KV bucket's keys reads: after which stream sequence, how many, looking at how many. */
export interface KvPageRange {
  /** The stream sequence (KV revision) the page starts after. */
  readonly after: number;
  /** At most this many entries go into the page. */
  readonly limit: number;
  /** At most this many entries (deletion markers included) are looked at. */
  readonly scan: number;
  /** Whether `accept` may turn entries down (else every value read fills the page, and no more are read than it needs). */
  readonly filtered: boolean;
}

/** A page of a KV bucket's keys as {@link readKvEntries} reads it. */
export interface KvEntriesPage<T> {
  readonly items: T[];
  /** The stream sequence of the last entry looked at. */
  readonly last: number;
  /** Whether entries after `last` remain. */
  readonly more: boolean;
}

/**
 * One page of the keys matching `keyFilter` in a JetStream KV bucket (NATS 2.9 has no paged key
 * listing): the bucket is a stream holding the newest entry of each key (history 1), in the order
 * of the last writes, so a page is the next entries of the filter's subjects after the cursor's
 * stream sequence (up to the limit, or `range.scan` entries looked at), read through a short-lived
 * pull consumer without acknowledgements. The consumer tells how many entries are left, so the page
 * reads no more than are there and never waits for new ones. Deletion markers are passed over;
 * `accept` turns a value into an item of the page, or undefined to leave it out. Costs a few round
 * trips plus O(range.scan) here; nats-server 2.9.10 spends O(entries after the cursor) creating the
 * consumer, as it counts the entries its filter leaves pending (150-200 ms at 60,000 records).
 */
export async function readKvEntries<T>(
  js: JetStreamClient,
  jsm: JetStreamManager,
  bucket: string,
  keyFilter: string,
  range: KvPageRange,
  accept: (key: string, data: Uint8Array, revision: number) => T | undefined,
  logger: Logger,
): Promise<KvEntriesPage<T>> {
  const stream = `KV_${bucket}`;
  const subjectPrefix = `$KV.${bucket}.`;
  const info = await jsm.consumers.add(stream, {
    // Named, so that nats.js puts the filter into the request subject, where the nats-server
    // permissions of an application's user can see it (config/nats-server-auth.ts).
    name: nuid.next(),
    filter_subject: `${subjectPrefix}${keyFilter}`,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: range.after + 1,
    ack_policy: AckPolicy.None,
    inactive_threshold: nanos(PAGE_CONSUMER_IDLE_MS),
    mem_storage: true,
  });
  const items: T[] = [];
  let last = range.after;
  let left = info.num_pending;
  try {
    let scanned = 0;
    const consumer = left > 0 ? await js.consumers.get(stream, info.name) : undefined;
    while (consumer && items.length < range.limit && scanned < range.scan && left > 0) {
      // Without a filter every entry but a deletion marker fills the page: no more are read than it
      // needs, so the page never stops in the middle of a batch. With one, batches are larger.
      const batch = range.filtered
        ? Math.min(range.scan - scanned, left, 1_000)
        : Math.min(range.limit - items.length, range.scan - scanned, left);
      const messages = await consumer.fetch({ max_messages: batch, expires: 30_000 });
      let received = 0;
      for await (const m of messages) {
        scanned++;
        received++;
        last = m.seq;
        left = m.info.pending;
        const operation = m.headers?.get('KV-Operation');
        if (operation !== 'DEL' && operation !== 'PURGE') {
          const item = accept(m.subject.slice(subjectPrefix.length), m.data, m.seq);
          if (item !== undefined) items.push(item);
        }
        if (received === batch || items.length === range.limit) break;
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
  return { items, last, more: left > 0 };
}

/** One page of the process records of an application in a JetStream KV bucket; see {@link readKvEntries}. */
export async function readKvPage(
  js: JetStreamClient,
  jsm: JetStreamManager,
  bucket: string,
  app: string,
  walk: PageWalk,
  logger: Logger,
): Promise<ProcessPage> {
  const page = await readKvEntries(
    js,
    jsm,
    bucket,
    `${app}.>`,
    walk,
    (_key, data) => {
      const record = JSON.parse(decoder.decode(data)) as ProcessRecord;
      return walk.matches(record) ? record : undefined;
    },
    logger,
  );
  return page.more ? { processes: page.items, cursor: encodeCursor(page.last) } : { processes: page.items };
}
