import type { KvEntry } from 'nats';

/*
 * Registry records travel as JSON in the KV buckets.
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const toBytes = (value: object): Uint8Array => encoder.encode(JSON.stringify(value));
export const fromEntry = <T>(entry: KvEntry): T => JSON.parse(decoder.decode(entry.value)) as T;
/** True for an entry that holds a value (not a deletion or purge marker). */
export const isValue = (entry: KvEntry | null): entry is KvEntry => entry !== null && entry.operation === 'PUT';
