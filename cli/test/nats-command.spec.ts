import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appNatsCredentials } from '@praas/framework/internal';
import { natsCommand } from '../src/commands/nats';
import { UsageError } from '../src/usage-error';

describe('praas-framework nats', () => {
  const env = { PRAAS_NATS_SECRET: 'a-master-secret-for-tests' };
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'praas-nats-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a configuration with a user per application, readable by its owner only', () => {
    const file = join(dir, 'nats.conf');
    const lines: string[] = [];
    assert.equal(
      natsCommand(['config', '--apps', 'shop,bank', '--out', file, '--port', '4333'], (l) => lines.push(l), env),
      0,
    );
    const config = readFileSync(file, 'utf8');
    assert.match(config, /user: "praas-app-shop"/);
    assert.match(config, /user: "praas-app-bank"/);
    assert.match(config, /port: 4333/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.ok(!lines.join('\n').includes(appNatsCredentials({ secret: env.PRAAS_NATS_SECRET }, 'shop').password));
  });

  it("prints an application's credentials as environment variables, derived as the configuration's", () => {
    const lines: string[] = [];
    natsCommand(['credentials', '--app', 'shop'], (l) => lines.push(l), env);
    const expected = appNatsCredentials({ secret: env.PRAAS_NATS_SECRET }, 'shop');
    assert.deepEqual(lines, [`PRAAS_NATS_USER=${expected.user}`, `PRAAS_NATS_PASSWORD=${expected.password}`]);
  });

  it('prints the Kubernetes Secret the manifests mount: nats.conf and the credentials of gateway and hosts', () => {
    const lines: string[] = [];
    natsCommand(['secret', '--app', 'shop', '--apps', 'bank'], (l) => lines.push(l), env);
    const text = lines.join('\n');
    assert.match(text, /^kind: Secret$/m);
    assert.match(text, /^ {2}name: shop-praas-nats$/m);
    const shop = appNatsCredentials({ secret: env.PRAAS_NATS_SECRET }, 'shop');
    assert.match(text, new RegExp(`^ {2}host-user: ${shop.user}$`, 'm'));
    assert.ok(text.includes(`host-password: ${shop.password}`));
    assert.match(text, /gateway-user: praas-gateway/);
    // nats.conf has a user for every application sharing the server, the --app one included.
    assert.match(text, /user: "praas-app-shop"/);
    assert.match(text, /user: "praas-app-bank"/);
  });

  it('says what is missing: the secret, the applications, one principal', () => {
    const print = (): void => undefined;
    assert.throws(() => natsCommand(['config', '--apps', 'shop'], print, {}), /PRAAS_NATS_SECRET/);
    assert.throws(() => natsCommand(['config'], print, env), /--apps/);
    assert.throws(() => natsCommand(['credentials', '--app', 'a', '--gateway'], print, env), UsageError);
    assert.throws(() => natsCommand(['config', '--apps', 'a.b'], print, env), /application/);
    assert.throws(() => natsCommand(['rotate'], print, env), /subcommand/);
  });
});
