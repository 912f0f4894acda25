import assert from 'node:assert/strict';
import { parseGatewayConfig } from '../../src/config/gateway-config';

describe('gateway configuration (flags and environment)', () => {
  it('has defaults, reads the environment, and lets flags win', () => {
    assert.deepEqual(parseGatewayConfig([], {}), {
      httpPort: 8080,
      grpcPort: 50051,
      host: '0.0.0.0',
      bodyLimitBytes: 1024 * 1024,
      noAuth: false,
      protectMetrics: false,
      help: false,
    });
    const env = { PRAAS_HTTP_PORT: '9000', PRAAS_GRPC_PORT: '9001', PRAAS_BODY_LIMIT: '512KiB', PRAAS_HOST: '::' };
    assert.deepEqual(parseGatewayConfig([], env), {
      httpPort: 9000,
      grpcPort: 9001,
      host: '::',
      bodyLimitBytes: 512 * 1024,
      noAuth: false,
      protectMetrics: false,
      help: false,
    });
    const flags = parseGatewayConfig(
      ['--http-port', '0', '--grpc-port=0', '--body-limit', '2MiB', '--host=127.0.0.1'],
      env,
    );
    assert.deepEqual(flags, {
      httpPort: 0,
      grpcPort: 0,
      host: '127.0.0.1',
      bodyLimitBytes: 2 * 1024 * 1024,
      noAuth: false,
      protectMetrics: false,
      help: false,
    });
  });

  it('reads the authentication settings', () => {
    const fromEnv = parseGatewayConfig([], { PRAAS_TOKENS_FILE: '/t.json', PRAAS_PROTECT_METRICS: 'true' });
    assert.equal(fromEnv.tokensFile, '/t.json');
    assert.equal(fromEnv.protectMetrics, true);
    assert.equal(fromEnv.noAuth, false);
    assert.equal(parseGatewayConfig([], { PRAAS_AUTH: 'off' }).noAuth, true);
    assert.equal(parseGatewayConfig(['--no-auth'], {}).noAuth, true);
    assert.equal(parseGatewayConfig(['--tokens-file=/x.json', '--protect-metrics'], {}).tokensFile, '/x.json');
    assert.throws(() => parseGatewayConfig([], { PRAAS_AUTH: 'of' }), /PRAAS_AUTH must be one of off, on, tokens/);
  });

  it('names the flag or variable that is wrong', () => {
    assert.throws(() => parseGatewayConfig(['--http-port', 'x'], {}), /--http-port must be a port/);
    assert.throws(() => parseGatewayConfig([], { PRAAS_GRPC_PORT: '70000' }), /PRAAS_GRPC_PORT must be a port/);
    assert.throws(
      () => parseGatewayConfig([], { PRAAS_BODY_LIMIT: '1GB' }),
      /PRAAS_BODY_LIMIT must be a positive size/,
    );
    assert.throws(() => parseGatewayConfig(['--verbose'], {}), /unknown argument '--verbose'/);
    assert.throws(() => parseGatewayConfig(['--host'], {}), /--host needs a value/);
  });
});
