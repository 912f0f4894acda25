import type { Metadata } from '@grpc/grpc-js';

/** The bearer credential of a call: its `authorization` metadata. */
export function credentialOf(metadata: Metadata): string | undefined {
  const [value] = metadata.get('authorization');
  return typeof value === 'string' ? value : undefined;
}
