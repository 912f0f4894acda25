import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '@praas/framework/internal';

/** A certificate chain and its private key, PEM: what the gateway serves REST (HTTPS) and gRPC (TLS) with. */
export interface GatewayTls {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/**
 * Reads the certificate and key files the gateway was given (`--tls-cert`, `--tls-key`).
 * @throws InvalidArgumentError when only one is given or a file cannot be read or is not PEM.
 */
export function readTlsFiles(certFile: string | undefined, keyFile: string | undefined): GatewayTls | undefined {
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined)
    throw new InvalidArgumentError('TLS needs both --tls-cert and --tls-key (PRAAS_TLS_CERT, PRAAS_TLS_KEY)');
  const read = (file: string, what: string, marker: RegExp): Buffer => {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (e) {
      throw new InvalidArgumentError(
        `cannot read the TLS ${what} ${file}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    if (!marker.test(bytes.toString('latin1')))
      throw new InvalidArgumentError(`the TLS ${what} ${file} is not in PEM format (-----BEGIN ...-----)`);
    return bytes;
  };
  return {
    cert: read(certFile, 'certificate', /-----BEGIN CERTIFICATE-----/),
    key: read(keyFile, 'key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/),
  };
}
