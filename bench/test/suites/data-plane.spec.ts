import assert from 'node:assert/strict';
import { dataPlaneFromEnv } from '../../src/suites/data-plane.bench';

describe('data-plane suite: PRAAS_DATA_PLANE', () => {
  it('names the data plane the hosts are asked for, or their default when unset or blank', () => {
    assert.equal(dataPlaneFromEnv({ PRAAS_DATA_PLANE: 'direct' }), 'direct');
    assert.equal(dataPlaneFromEnv({ PRAAS_DATA_PLANE: ' nats ' }), 'nats');
    assert.equal(dataPlaneFromEnv({}), 'default');
    assert.equal(dataPlaneFromEnv({ PRAAS_DATA_PLANE: '' }), 'default');
  });

  it('rejects anything else, saying what is allowed', () => {
    assert.throws(
      () => dataPlaneFromEnv({ PRAAS_DATA_PLANE: 'tcp' }),
      /PRAAS_DATA_PLANE is 'tcp'; use direct or nats, or unset it for the hosts' default/,
    );
  });
});
