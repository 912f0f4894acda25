import { NatsError, type JetStreamManager } from 'nats';
import { fromNatsError } from '../../transport/nats/nats-connection';

/** JetStream API error code: the stream does not exist. */
const STREAM_NOT_FOUND = 10059;

/**
 * Turns rollup headers off on the streams of the given KV buckets that exist, and returns the
 * buckets it changed. nats.js creates KV buckets with rollups allowed (its `purge` is a rollup),
 * and a publish with `Nats-Rollup: all` to any one key purges the whole bucket: on the shared
 * registry buckets, a host allowed to write its own keys could erase every application's records.
 * Nothing of the framework purges by rollup (the registry and the timer store purge through the
 * stream API), so a gateway turns them off when it starts.
 * @throws the framework's errors when a stream cannot be read or updated.
 */
export async function denyKvRollups(jsm: JetStreamManager, buckets: readonly string[]): Promise<string[]> {
  const changed: string[] = [];
  for (const bucket of buckets) {
    const stream = `KV_${bucket}`;
    const what = `switch-off of rollups on the KV bucket '${bucket}'`;
    try {
      const info = await jsm.streams.info(stream);
      if (!info.config.allow_rollup_hdrs) continue;
      await jsm.streams.update(stream, { allow_rollup_hdrs: false });
      changed.push(bucket);
    } catch (e) {
      if (e instanceof NatsError && e.api_error?.err_code === STREAM_NOT_FOUND) continue;
      throw fromNatsError(e, { subject: stream, what, size: 0 });
    }
  }
  return changed;
}
