import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata, status, type Client, type ServiceError } from '@grpc/grpc-js';
import { PraasClient, PraasError } from '@praas/framework';
import { loadGatewayService } from '@praas/gateway';
import { spawnGateway, startNats, type GatewayProcess, type NatsService } from '../src';
import { cli } from './support/cli';

/** A self-signed certificate for 127.0.0.1, made by the openssl binary (node:crypto cannot write X.509). */
function selfSigned(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'pipe' },
  );
  return { cert, key };
}

describe('gateway TLS: REST over HTTPS and gRPC over TLS with a configured certificate (OS process)', function () {
  this.timeout(120_000);
  let dir: string;
  let files: { cert: string; key: string };
  let nats: NatsService;
  let gateway: GatewayProcess;
  const grpcClients: Client[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'praas-tls-'));
    files = selfSigned(dir);
    nats = await startNats();
    gateway = await spawnGateway({ natsUrl: nats.url, env: { PRAAS_TLS_CERT: files.cert, PRAAS_TLS_KEY: files.key } });
  });

  after(async () => {
    for (const c of grpcClients) c.close();
    await gateway?.stop();
    await nats?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves https to a client that trusts the CA, and a client that does not cannot connect', async () => {
    assert.match(gateway.httpUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
    const trusting = new PraasClient({ url: gateway.httpUrl, token: gateway.token, ca: files.cert });
    assert.equal((await trusting.createApp('secure')).name, 'secure');
    const fromPem = new PraasClient({ url: gateway.httpUrl, token: gateway.token, ca: readFileSync(files.cert) });
    assert.deepEqual(
      (await fromPem.listApps()).map((a) => a.name),
      ['secure'],
    );
    const untrusting = new PraasClient({ url: gateway.httpUrl, token: gateway.token });
    await assert.rejects(untrusting.listApps(), (e: unknown) => e instanceof PraasError && e.code === 'UNAVAILABLE');
    const plain = new PraasClient({ url: gateway.httpUrl.replace('https:', 'http:'), token: gateway.token });
    await assert.rejects(plain.listApps(), PraasError, 'plain HTTP gets no answer from the TLS port');
  });

  it('the CLI takes --ca (or PRAAS_CA_FILE) and --token', async () => {
    const ps = await cli(
      'ps',
      'secure',
      '--gateway',
      gateway.httpUrl,
      '--token',
      gateway.token,
      '--ca',
      files.cert,
      '--json',
    );
    assert.equal(ps.code, 0, ps.err);
    assert.equal(ps.out, '[]');
    const without = await cli('ps', 'secure', '--gateway', gateway.httpUrl, '--token', gateway.token);
    assert.equal(without.code, 1);
    assert.match(without.err, /UNAVAILABLE/);
  });

  it('serves gRPC over TLS to a client that trusts the CA, with the token in the metadata', async () => {
    const Gateway = loadGatewayService();
    const call = (client: Client): Promise<ServiceError | { apps: { name: string }[] }> => {
      const metadata = new Metadata();
      metadata.set('authorization', gateway.authorization);
      return new Promise((resolve) =>
        (client as unknown as Record<string, (...a: unknown[]) => void>)['ListApps']!.call(
          client,
          {},
          metadata,
          { deadline: Date.now() + 10_000 },
          (e: ServiceError | null, r: { apps: { name: string }[] }) => resolve(e ?? r),
        ),
      );
    };
    const secure = new Gateway(gateway.grpcAddress, credentials.createSsl(readFileSync(files.cert)));
    grpcClients.push(secure);
    const listed = await call(secure);
    assert.ok('apps' in listed, String((listed as ServiceError).details));
    assert.deepEqual(
      listed.apps.map((a) => a.name),
      ['secure'],
    );
    const insecure = new Gateway(gateway.grpcAddress, credentials.createInsecure());
    grpcClients.push(insecure);
    const refused = await call(insecure);
    assert.ok(!('apps' in refused), 'an insecure channel must not get an answer');
    assert.equal(refused.code, status.UNAVAILABLE);
  });
});
