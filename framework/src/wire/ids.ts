import { randomBytes, randomUUID } from 'node:crypto';

/** A new globally unique id for messages, invocations and host incarnations. */
export function newId(): string {
  return randomUUID();
}

/**
 * A new process id for a process of `processClass`: the class in lower case and 64 random bits
 * (16 hex digits), e.g. `counter-9f2c61d04ab7e385`. At 100,000 processes of one class the chance
 * that any two collide is about 3 × 10⁻¹⁰ (DESIGN §6, scale rules); the control plane still
 * retries a create whose generated pid turned out to be taken.
 */
export function newPid(processClass: string): string {
  return `${processClass.toLowerCase()}-${randomBytes(8).toString('hex')}`;
}
