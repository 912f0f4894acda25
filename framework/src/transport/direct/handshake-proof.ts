import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The proof a dialler gives in its hello when the application has a data-plane secret (DESIGN
 * §8a): HMAC-SHA256 under the secret of the listener's fresh nonce, the application and the
 * dialler's name. The secret never crosses the wire and a recorded hello is worthless against any
 * other connection, whose nonce differs.
 */
export function handshakeProof(secret: Uint8Array, nonce: Uint8Array, app: string, from: string): Buffer {
  return createHmac('sha256', secret)
    .update('praas-direct-v1\0')
    .update(nonce)
    .update(`\0${app}\0${from}`, 'utf8')
    .digest();
}

/** Whether `proof` is the right one, compared in constant time. */
export function verifyProof(secret: Uint8Array, nonce: Uint8Array, app: string, from: string, proof: unknown): boolean {
  if (!(proof instanceof Uint8Array) || proof.length !== 32) return false;
  return timingSafeEqual(handshakeProof(secret, nonce, app, from), proof);
}

/** A fresh challenge nonce. */
export function newNonce(): Buffer {
  return randomBytes(16);
}

/**
 * The data-plane secret of one application, derived from a master secret that only the gateway
 * holds (`PRAAS_DATA_SECRET`): hosts get their application's secret (`PRAAS_APP_SECRET`), so a
 * host of one application cannot prove itself to the hosts of another.
 * @returns the secret as 64 hex digits.
 */
export function appDataSecret(master: string, app: string): string {
  return createHmac('sha256', master).update(`praas-app-secret\0${app}`, 'utf8').digest('hex');
}
