import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { runGateway, type GatewayBackendFactory } from '@praas/gateway';
import { createEmbedded } from '../src';
import { Counter, http } from './support/gateway-stack';

describe('gateway entry (runGateway)', () => {
  it('starts from flags and environment, prints where it listens, and stops on SIGTERM', async () => {
    let closed = false;
    const factory: GatewayBackendFactory = async (config, env) => {
      assert.equal(config.bodyLimitBytes, 2048);
      assert.equal(env['PRAAS_BODY_LIMIT'], '2KiB');
      const praas = await createEmbedded({ processes: [Counter] });
      return {
        controlPlane: praas.controlPlane,
        close: async () => {
          closed = true;
          await praas.close();
        },
      };
    };
    const signals = new EventEmitter();
    const out: string[] = [];
    let listening!: (line: string) => void;
    const started = new Promise<string>((resolve) => (listening = resolve));
    const exit = runGateway(factory, {
      argv: ['--http-port', '0', '--grpc-port=0', '--host', '127.0.0.1'],
      env: { PRAAS_BODY_LIMIT: '2KiB', PRAAS_HTTP_PORT: '1' },
      signals,
      out: (line) => {
        out.push(line);
        if (line.startsWith('praas gateway listening')) listening(line);
      },
      err: (line) => out.push(line),
    });
    const line = await started;
    const m = /^praas gateway listening (http:\/\/127\.0\.0\.1:(\d+)) grpc 127\.0\.0\.1:(\d+)$/.exec(line);
    assert.ok(m, line);
    assert.equal((await http(m[1]!, 'GET', '/healthz')).status, 200);
    const big = await http(m[1]!, 'POST', '/v1/apps', { body: { name: 'x'.repeat(3000) } });
    assert.equal(big.status, 413, 'the body limit from the environment applies');
    signals.emit('SIGTERM');
    assert.equal(await exit, 0);
    assert.ok(closed, 'the backend was closed');
    assert.equal(signals.listenerCount('SIGTERM') + signals.listenerCount('SIGINT'), 0, 'no listener left behind');
    assert.match(out.at(-1)!, /stopping \(SIGTERM\)/);
  });

  it('exits with 2 on bad arguments and 1 when it cannot start, without building a backend on bad arguments', async () => {
    const err: string[] = [];
    let built = 0;
    const factory: GatewayBackendFactory = async () => {
      built++;
      const praas = await createEmbedded({ processes: [Counter] });
      return { controlPlane: praas.controlPlane, close: () => praas.close() };
    };
    assert.equal(await runGateway(factory, { argv: ['--http-port', 'eighty'], env: {}, err: (l) => err.push(l) }), 2);
    assert.match(err[0]!, /--http-port must be a port/);
    assert.equal(built, 0);
    const taken = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    try {
      const port = String((taken.address() as AddressInfo).port);
      const argv = ['--host', '127.0.0.1', '--http-port', port, '--grpc-port', '0'];
      assert.equal(await runGateway(factory, { argv, env: {}, err: (l) => err.push(l) }), 1, 'the port is taken');
    } finally {
      taken.close();
    }
    assert.equal(built, 1);
    assert.match(err[1]!, /could not start/);
  });
});
