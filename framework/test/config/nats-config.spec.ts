import assert from 'node:assert/strict';
import { InvalidArgumentError, natsConfigFromEnv, parseNatsServers, validateReplicas } from '../../src/internal';

describe('NATS settings', () => {
  it('reads one server, or the comma-separated seed URLs of a cluster, with replicas 1 by default', () => {
    assert.deepEqual(natsConfigFromEnv({ PRAAS_NATS_URL: 'nats://127.0.0.1:4222' }), {
      servers: ['nats://127.0.0.1:4222'],
      replicas: 1,
    });
    assert.deepEqual(
      natsConfigFromEnv({
        PRAAS_NATS_URL: ' nats://n1:4222 , nats://n2:4222,nats://n3:4222 ',
        PRAAS_NATS_REPLICAS: '3',
      }),
      { servers: ['nats://n1:4222', 'nats://n2:4222', 'nats://n3:4222'], replicas: 3 },
    );
    assert.deepEqual(parseNatsServers('n1:4222,tls://n2:4222'), ['n1:4222', 'tls://n2:4222']);
  });

  it('names the variable that is missing or wrong', () => {
    const rejects = (env: Record<string, string>, message: RegExp): void =>
      assert.throws(
        () => natsConfigFromEnv(env),
        (e: Error) => e instanceof InvalidArgumentError && message.test(e.message),
      );
    rejects({}, /set PRAAS_NATS_URL/);
    rejects(
      { PRAAS_NATS_URL: 'nats://n1:4222,,nats://n2:4222' },
      /PRAAS_NATS_URL must be NATS URLs separated by commas/,
    );
    rejects({ PRAAS_NATS_URL: 'http://n1:4222' }, /PRAAS_NATS_URL must be NATS URLs/);
    for (const replicas of ['0', '6', 'three', '2.5'])
      rejects(
        { PRAAS_NATS_URL: 'nats://n1:4222', PRAAS_NATS_REPLICAS: replicas },
        /PRAAS_NATS_REPLICAS must be a whole number from 1 to 5/,
      );
  });

  it('accepts replica counts JetStream accepts', () => {
    for (const n of [1, 3, 5]) assert.equal(validateReplicas(n), n);
    assert.throws(() => validateReplicas(0), InvalidArgumentError);
  });
});
