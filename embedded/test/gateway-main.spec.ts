import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
      argv: ['--http-port', '0', '--grpc-port=0', '--host', '127.0.0.1', '--no-auth'],
      env: { PRAAS_BODY_LIMIT: '2KiB', PRAAS_HTTP_PORT: '1' },
      signals,
      out: (line) => {
        out.push(line);
        if (line.startsWith('praas gateway listening')) listening(line);
      },
      err: (line) => out.push(line),
    });
    const line = await started;
    const m =
      /^praas gateway listening (http:\/\/127\.0\.0\.1:(\d+)) grpc 127\.0\.0\.1:(\d+) \(open: no authentication\)$/.exec(
        line,
      );
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
      const argv = ['--host', '127.0.0.1', '--http-port', port, '--grpc-port', '0', '--no-auth'];
      assert.equal(await runGateway(factory, { argv, env: {}, err: (l) => err.push(l) }), 1, 'the port is taken');
    } finally {
      taken.close();
    }
    assert.equal(built, 1);
    assert.match(err[1]!, /could not start/);
  });

  it('needs tokens unless told --no-auth: without, it does not start and says how to make one', async () => {
    const err: string[] = [];
    let built = 0;
    const factory: GatewayBackendFactory = () => {
      built++;
      return Promise.reject(new Error('not reached'));
    };
    assert.equal(await runGateway(factory, { argv: ['--http-port', '0'], env: {}, err: (l) => err.push(l) }), 2);
    assert.match(err[0]!, /no tokens are configured/);
    assert.match(err[0]!, /praas-framework gateway token create --file tokens\.json --id admin --scope admin/);
    assert.equal(built, 0);
  });

  it('with a token file, answers 401 without a token and serves the holder of one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'praas-gw-tokens-'));
    const file = join(dir, 'tokens.json');
    const token: string[] = [];
    assert.equal(
      await runGateway(async () => Promise.reject(new Error('not reached')), {
        argv: ['token', 'create', '--file', file, '--id', 'ops', '--scope', 'admin'],
        out: (l) => token.push(l),
        err: () => undefined,
      }),
      0,
    );
    const factory: GatewayBackendFactory = async () => {
      const praas = await createEmbedded({ processes: [Counter] });
      return { controlPlane: praas.controlPlane, close: () => praas.close() };
    };
    const signals = new EventEmitter();
    let listening!: (line: string) => void;
    const started = new Promise<string>((resolve) => (listening = resolve));
    const exit = runGateway(factory, {
      argv: ['--http-port', '0', '--grpc-port=0', '--host', '127.0.0.1'],
      env: { PRAAS_TOKENS_FILE: file },
      signals,
      out: (line) => line.startsWith('praas gateway listening') && listening(line),
      err: () => undefined,
    });
    try {
      const url = /(http:\/\/\S+)/.exec(await started)![1]!;
      assert.equal((await http(url, 'GET', '/healthz')).status, 200);
      const anonymous = await http(url, 'POST', '/v1/apps', { body: { name: 'shop' } });
      assert.equal(anonymous.status, 401);
      assert.equal((JSON.parse(anonymous.text) as { error: { code: string } }).error.code, 'UNAUTHENTICATED');
      const authorization = `Bearer ${token[0]!}`;
      const made = await http(url, 'POST', '/v1/apps', { body: { name: 'shop' }, headers: { authorization } });
      assert.equal(made.status, 201, made.text);
    } finally {
      signals.emit('SIGTERM');
      assert.equal(await exit, 0);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
