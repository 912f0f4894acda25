import { randomUUID } from 'node:crypto';

/** A new globally unique id for messages, invocations and host incarnations. */
export function newId(): string {
  return randomUUID();
}
