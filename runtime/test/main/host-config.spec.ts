import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, InvalidNameError } from '@praas/framework/internal';
import { loadProcessClasses, readHostConfig } from '../../src';

describe('host configuration from the environment', function () {
  const base = { PRAAS_NATS_URL: 'nats://127.0.0.1:4222', PRAAS_APP: 'demo', PRAAS_MODULE: '/srv/app/index.js' };

  it('reads the variables, with an optional host id', function () {
    assert.deepEqual(readHostConfig(base), {
      natsUrl: 'nats://127.0.0.1:4222',
      nats: { servers: ['nats://127.0.0.1:4222'], replicas: 1 },
      app: 'demo',
      modulePath: '/srv/app/index.js',
      codeDir: join(tmpdir(), 'praas-code'),
      dataPlane: { kind: 'direct', port: 0, bindHost: '127.0.0.1' },
    });
    assert.equal(readHostConfig({ ...base, PRAAS_HOST_ID: 'h-1' }).hostId, 'h-1');
  });

  it('takes the seed URLs of a NATS cluster and the JetStream replicas', function () {
    const config = readHostConfig({
      ...base,
      PRAAS_NATS_URL: 'nats://n1:4222, nats://n2:4222,nats://n3:4222',
      PRAAS_NATS_REPLICAS: '3',
    });
    assert.deepEqual(config.nats, { servers: ['nats://n1:4222', 'nats://n2:4222', 'nats://n3:4222'], replicas: 3 });
  });

  it('reads the timers’ clock offset and first retry backoff, naming a bad value', function () {
    const config = readHostConfig({ ...base, PRAAS_TIMER_CLOCK_OFFSET_MS: '-3600000', PRAAS_TIMER_RETRY_MS: '250' });
    assert.equal(config.timerClockOffsetMs, -3_600_000);
    assert.equal(config.timerRetryMs, 250);
    assert.throws(() => readHostConfig({ ...base, PRAAS_TIMER_CLOCK_OFFSET_MS: '1.5' }), /PRAAS_TIMER_CLOCK_OFFSET_MS/);
    assert.throws(() => readHostConfig({ ...base, PRAAS_TIMER_RETRY_MS: '0' }), /PRAAS_TIMER_RETRY_MS/);
  });

  it('runs deployed code when PRAAS_MODULE is unset, unpacking it into PRAAS_CODE_DIR', function () {
    const config = readHostConfig({ ...base, PRAAS_MODULE: '', PRAAS_CODE_DIR: '/var/cache/praas' });
    assert.equal(config.modulePath, undefined);
    assert.equal(config.codeDir, '/var/cache/praas');
  });

  it('names the variable that is missing, and rejects bad names', function () {
    for (const name of ['PRAAS_NATS_URL', 'PRAAS_APP']) {
      assert.throws(
        () => readHostConfig({ ...base, [name]: '' }),
        (e: unknown) => e instanceof InvalidArgumentError && e.message.includes(name),
      );
    }
    assert.throws(() => readHostConfig({ ...base, PRAAS_APP: 'a.b' }), InvalidNameError);
    assert.throws(() => readHostConfig({ ...base, PRAAS_HOST_ID: 'x y' }), InvalidNameError);
  });

  it('chooses the data plane: direct by default on loopback, or NATS; a data port and the address others dial', function () {
    assert.equal(readHostConfig({ ...base, PRAAS_DATA_PLANE: 'nats' }).dataPlane, 'nats');
    assert.deepEqual(readHostConfig({ ...base, PRAAS_DATA_PORT: '7400', PRAAS_ADVERTISE_ADDR: '10.0.0.7' }).dataPlane, {
      kind: 'direct',
      port: 7400,
      bindHost: '0.0.0.0',
      advertise: '10.0.0.7',
    });
    assert.deepEqual(
      readHostConfig({ ...base, PRAAS_ADVERTISE_ADDR: '127.0.0.1:9000', PRAAS_DATA_BIND: '127.0.0.1' }).dataPlane,
      { kind: 'direct', port: 0, bindHost: '127.0.0.1', advertise: '127.0.0.1:9000' },
    );
    const auto = readHostConfig({ ...base, PRAAS_ADVERTISE_ADDR: 'auto' }).dataPlane;
    assert.ok(typeof auto === 'object' && auto.advertise !== 'auto' && auto.bindHost === '0.0.0.0');
  });

  it('names the data-plane variable that is wrong', function () {
    const cases: [string, string][] = [
      ['PRAAS_DATA_PLANE', 'tcp'],
      ['PRAAS_DATA_PORT', '70000'],
      ['PRAAS_DATA_PORT', 'x'],
      ['PRAAS_ADVERTISE_ADDR', 'a b'],
      ['PRAAS_ADVERTISE_ADDR', 'host:99999'],
    ];
    for (const [name, value] of cases) {
      assert.throws(
        () => readHostConfig({ ...base, [name]: value }),
        (e: unknown) => e instanceof InvalidArgumentError && e.message.includes(name),
        `${name}=${value}`,
      );
    }
  });

  it('loads the @Process classes of a module and refuses a module without any', function () {
    assert.throws(() => loadProcessClasses('/nonexistent/module.js'), /cannot load PRAAS_MODULE/);
    assert.throws(() => loadProcessClasses(require.resolve('node:path')), /exports no class decorated with @Process/);
  });
});
