import assert from 'node:assert/strict';
import {
  appInboxPrefix,
  appNatsCredentials,
  appNatsPermissions,
  backupStreamName,
  gatewayNatsCredentials,
  gatewayNatsPermissions,
  InvalidArgumentError,
  InvalidNameError,
  natsConfigFromEnv,
  natsConfigWithUser,
  natsServerUsers,
  renderNatsServerConfig,
} from '../../src/internal';

const secret = 'a-master-secret-of-some-length';

/** nats-server's subject matching: `*` one token, `>` one or more at the end. */
function matches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}
const allowed = (patterns: readonly string[], subject: string): boolean => patterns.some((p) => matches(p, subject));

describe('nats-server configuration with isolated applications', () => {
  const shop = appNatsPermissions('shop');

  it("lets an application's user publish and subscribe on its own subjects, backup stream and registry keys", () => {
    for (const subject of [
      'praas.shop.p.cart-1',
      'praas.shop.host.h1',
      'praas.shop.activate',
      'praas.shop.backup.cart-1',
      '$KV.praas_processes.shop.cart-1',
      '$KV.praas_hosts.shop.h1',
      '$KV.praas_apps.shop',
      '$JS.API.DIRECT.GET.KV_praas_processes.$KV.praas_processes.shop.cart-1',
      '$JS.API.CONSUMER.CREATE.KV_praas_processes.N1.$KV.praas_processes.shop.>',
      `$JS.API.STREAM.INFO.${backupStreamName('shop')}`,
      `$JS.API.CONSUMER.CREATE.${backupStreamName('shop')}`,
    ])
      assert.ok(allowed(shop.publish, subject), `publish to ${subject}`);
    for (const subject of ['praas.shop.p.cart-1', 'praas.shop.activate', `${appInboxPrefix('shop')}.abc.1`])
      assert.ok(allowed(shop.subscribe, subject), `subscribe to ${subject}`);
    assert.equal(shop.allowResponses, true);
  });

  it("refuses it another application's subjects, keys and stream, stream creation and other inboxes", () => {
    for (const subject of [
      'praas.shopping.p.cart-1',
      'praas.bank.host.h1',
      '$KV.praas_processes.bank.x',
      '$KV.praas_apps.bank',
      '$JS.API.DIRECT.GET.KV_praas_processes.$KV.praas_processes.bank.x',
      '$JS.API.CONSUMER.CREATE.KV_praas_processes.N1.$KV.praas_processes.>',
      '$JS.API.CONSUMER.CREATE.KV_praas_processes',
      '$JS.API.CONSUMER.CREATE.KV_praas_apps.N1.$KV.praas_apps.>',
      `$JS.API.STREAM.CREATE.${backupStreamName('shop')}`,
      `$JS.API.STREAM.INFO.${backupStreamName('bank')}`,
      '$JS.API.STREAM.PURGE.KV_praas_processes',
      '$JS.API.STREAM.DELETE.KV_praas_processes',
      '_INBOX.abc',
    ])
      assert.ok(!allowed(shop.publish, subject), `publish to ${subject}`);
    for (const subject of ['praas.bank.p.x', '_INBOX.abc', `${appInboxPrefix('bank')}.x`, 'praas.>'])
      assert.ok(!allowed(shop.subscribe, subject), `subscribe to ${subject}`);
  });

  it("gives the gateway every application's subjects but no subscription beyond replies and its inboxes", () => {
    const gateway = gatewayNatsPermissions();
    assert.ok(allowed(gateway.publish, 'praas.bank.host.h1'));
    assert.ok(allowed(gateway.publish, `$JS.API.STREAM.CREATE.${backupStreamName('bank')}`));
    assert.ok(!allowed(gateway.publish, '$SYS.REQ.SERVER.PING'));
    assert.ok(allowed(gateway.subscribe, 'praas.bank.reply.r1'));
    assert.ok(!allowed(gateway.subscribe, 'praas.bank.p.x'));
  });

  it('derives stable passwords from the master secret, one per user, and writes them into the configuration', () => {
    const shopUser = appNatsCredentials({ secret }, 'shop');
    assert.deepEqual(appNatsCredentials({ secret }, 'shop'), shopUser);
    assert.notEqual(appNatsCredentials({ secret }, 'bank').password, shopUser.password);
    assert.notEqual(appNatsCredentials({ secret: `${secret}-2` }, 'shop').password, shopUser.password);
    assert.equal(shopUser.inboxPrefix, appInboxPrefix('shop'));
    const users = natsServerUsers({ secret }, ['shop', 'bank', 'shop']).map((u) => u.user);
    assert.deepEqual(users, ['praas-admin', 'praas-gateway', 'praas-app-bank', 'praas-app-shop']);
    const config = renderNatsServerConfig({ secret, apps: ['shop'], port: 4333, storeDir: '/var/nats' });
    assert.match(config, /port: 4333/);
    assert.match(config, /store_dir: "\/var\/nats"/);
    assert.ok(config.includes(`password: "${shopUser.password}"`));
    assert.ok(config.includes(`password: "${gatewayNatsCredentials({ secret }).password}"`));
    assert.ok(config.includes('allow_responses: true'));
  });

  it('rejects a short secret and an invalid application name', () => {
    assert.throws(() => natsServerUsers({ secret: 'short' }, []), InvalidArgumentError);
    assert.throws(() => appNatsPermissions('a.b'), InvalidNameError);
    assert.throws(() => natsServerUsers({ secret }, ['shop', '>']), InvalidNameError);
  });

  it('reads the NATS user from PRAAS_NATS_USER and PRAAS_NATS_PASSWORD, both or neither', () => {
    const url = 'nats://127.0.0.1:4222';
    assert.deepEqual(natsConfigFromEnv({ PRAAS_NATS_URL: url, PRAAS_NATS_USER: 'u', PRAAS_NATS_PASSWORD: 'p' }), {
      servers: [url],
      replicas: 1,
      user: 'u',
      password: 'p',
    });
    // Given the master secret instead, a component derives its own user (what the compose stack does).
    const derived = natsConfigWithUser({ PRAAS_NATS_URL: url, PRAAS_NATS_SECRET: secret }, (s) =>
      appNatsCredentials({ secret: s }, 'shop'),
    );
    assert.equal(derived.user, 'praas-app-shop');
    assert.equal(derived.password, appNatsCredentials({ secret }, 'shop').password);
    const given = { PRAAS_NATS_URL: url, PRAAS_NATS_SECRET: secret, PRAAS_NATS_USER: 'u', PRAAS_NATS_PASSWORD: 'p' };
    assert.equal(natsConfigWithUser(given, (s) => appNatsCredentials({ secret: s }, 'shop')).user, 'u');
    assert.equal(natsConfigWithUser({ PRAAS_NATS_URL: url }, () => assert.fail('no secret')).user, undefined);
    assert.throws(
      () => natsConfigFromEnv({ PRAAS_NATS_URL: url, PRAAS_NATS_USER: 'u' }),
      (e: Error) => e instanceof InvalidArgumentError && e.message.includes('PRAAS_NATS_PASSWORD is not set'),
    );
  });
});
