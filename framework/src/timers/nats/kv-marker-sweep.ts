import { AckPolicy, DeliverPolicy, nanos, nuid, type JetStreamClient, type JetStreamManager } from 'nats';
import type { Logger } from '../../logging/logger';

/** An abandoned sweep consumer (its reader died) is removed by the server after this. */
const SWEEP_CONSUMER_IDLE_MS = 30_000;

/** What one {@link sweepKvMarkers} pass did. */
export interface KvMarkerSweep {
  /** The stream sequence of the last entry looked at: where the next pass starts. */
  readonly last: number;
  /** Deletion markers removed. */
  readonly removed: number;
  /** Whether entries after `last` remain. */
  readonly more: boolean;
}

/**
 * Removes the deletion markers of a JetStream KV bucket written after stream sequence `after`,
 * looking at no more than `scan` entries (headers only). A marker is purged up to itself, so a
 * value written to its key afterwards stays: what the timer store's `forget` does for one key, for
 * the keys whose deleters may not purge (an application's NATS user: a purge names its filter in
 * the request body, which nats-server permissions cannot see, so none may purge a shared bucket).
 * The bucket keeps one entry per key (history 1), so passes that start where the last one stopped
 * cost O(entries written since), not O(keys).
 */
export async function sweepKvMarkers(
  js: JetStreamClient,
  jsm: JetStreamManager,
  bucket: string,
  after: number,
  scan: number,
  logger: Logger,
): Promise<KvMarkerSweep> {
  const stream = `KV_${bucket}`;
  const info = await jsm.consumers.add(stream, {
    name: nuid.next(),
    filter_subject: `$KV.${bucket}.>`,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: after + 1,
    ack_policy: AckPolicy.None,
    headers_only: true,
    inactive_threshold: nanos(SWEEP_CONSUMER_IDLE_MS),
    mem_storage: true,
  });
  let last = after;
  let left = info.num_pending;
  let removed = 0;
  try {
    let scanned = 0;
    const consumer = left > 0 ? await js.consumers.get(stream, info.name) : undefined;
    while (consumer && scanned < scan && left > 0) {
      const batch = Math.min(scan - scanned, left, 1_000);
      const messages = await consumer.fetch({ max_messages: batch, expires: 30_000 });
      const markers: { subject: string; seq: number }[] = [];
      let received = 0;
      for await (const m of messages) {
        scanned++;
        received++;
        last = m.seq;
        left = m.info.pending;
        const operation = m.headers?.get('KV-Operation');
        if (operation === 'DEL' || operation === 'PURGE') markers.push({ subject: m.subject, seq: m.seq });
        if (received === batch) break;
      }
      messages.stop();
      for (const marker of markers) {
        await jsm.streams.purge(stream, { filter: marker.subject, seq: marker.seq + 1 });
        removed++;
      }
      if (received === 0) break;
    }
  } finally {
    // The server removes it after SWEEP_CONSUMER_IDLE_MS anyway: a failure here costs nothing but a log line.
    jsm.consumers
      .delete(stream, info.name)
      .catch((e: unknown) =>
        logger.debug('a sweep consumer was not removed; the server removes it once idle', { stream, err: e }),
      );
  }
  return { last, removed, more: left > 0 };
}
