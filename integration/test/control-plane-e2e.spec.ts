import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packBundle, PraasClient } from '@praas/framework/internal';
import { NatsTransport } from '@praas/framework/nats';
import { S3SwapStore } from '@praas/runtime';
import { freePort, http } from '@praas/test-services';
import {
  HostControl,
  STACK_FIXTURE_MODULE,
  startStack,
  type GatewayProcess,
  type HostProcess,
  type Stack,
  type StackHostOptions,
} from '../src';
import { cli, until } from './support/cli';

/**
 * The compiled module of an application with one process class, `Counter`, as `tsc` emits it for
 * the decorators: `which` names the code it runs (`label`), `add` keeps a total. `prelude` runs
 * first, when the module is loaded.
 */
function counterModule(label: string, prelude = ''): string {
  return [
    "'use strict';",
    prelude,
    "const { Process, Fn, State } = require('@praas/framework');",
    'class Counter {',
    '  constructor() { this.total = 0; }',
    '  add(n) { this.total += n; return this.total; }',
    `  which() { return ${JSON.stringify(label)}; }`,
    '}',
    "Reflect.decorate([State()], Counter.prototype, 'total');",
    "for (const name of ['add', 'which']) {",
    '  const d = Object.getOwnPropertyDescriptor(Counter.prototype, name);',
    '  Object.defineProperty(Counter.prototype, name, Reflect.decorate([Fn()], Counter.prototype, name, d));',
    '}',
    'exports.Counter = Reflect.decorate([Process()], Counter);',
  ].join('\n');
}

/** A code bundle of `app` as `praas-framework deploy` uploads it. */
function bundleOf(app: string, module: string): Uint8Array {
  return packBundle({
    manifest: { app, version: '1.0.0', module: 'dist/index.js', processes: [{ name: 'Counter' }] },
    files: new Map([
      ['package.json', Buffer.from(JSON.stringify({ name: app, version: '1.0.0' }))],
      ['dist/index.js', Buffer.from(module)],
    ]),
  });
}

/** Every regular file under `dir` whose text contains `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) found.push(...filesContaining(path, needle));
    else if (statSync(path).isFile() && readFileSync(path, 'utf8').includes(needle)) found.push(path);
  }
  return found;
}

describe('the control plane as a new user meets it: apps without hosts, deleted apps, broken deployments', function () {
  let stack: Stack;
  let objects: S3SwapStore;
  let gateway: GatewayProcess;
  let rest: PraasClient;
  let root: string;
  let s3Env: Readonly<Record<string, string>>;

  const startHost = (options: StackHostOptions): Promise<HostProcess> =>
    stack.spawnHost({ readyTimeoutMs: 60_000, ...options });

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'praas-control-e2e-'));
    stack = await startStack({ name: 'control-plane-e2e', s3: true, gateways: [{ s3: true }], killHosts: true });
    [gateway] = stack.gateways as [GatewayProcess];
    objects = stack.store;
    s3Env = stack.s3Env;
    rest = new PraasClient({ url: gateway.httpUrl, token: gateway.token });
  });

  after(async () => {
    await stack?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  describe('creating applications (issue 11, item 7)', () => {
    it('creates an application while no runtime host runs; a host started with --module then registers its classes', async function () {
      this.timeout(120_000);
      // The gateway waits up to PRAAS_HOST_WAIT_MS (10 s) for hosts when it places a process, not here.
      const created = await rest.createApp('early');
      assert.deepEqual([created.name, created.processClasses], ['early', []]);
      assert.deepEqual(
        (await rest.listProcesses('early')).map((p) => p.pid),
        [],
      );

      await startHost({ app: 'early', hostId: 'early-1', modulePath: STACK_FIXTURE_MODULE, env: s3Env });
      assert.deepEqual((await rest.getApp('early')).processClasses, ['Dozer', 'Journal', 'Tally']);
      const { pid } = await rest.createProcess('early', { processClass: 'Tally' });
      assert.equal(await rest.invoke('early', 'add', 2, { pid }), 2);
    });

    it('lets a host started with --module create its application, so ps works without a POST', async function () {
      this.timeout(120_000);
      await startHost({ app: 'selfmade', hostId: 'selfmade-1', modulePath: STACK_FIXTURE_MODULE, env: s3Env });
      const ps = await cli('ps', 'selfmade', '--gateway', gateway.httpUrl, '--token', gateway.token);
      assert.equal(ps.code, 0, ps.err);
      assert.equal(ps.out, "application 'selfmade' has no processes");
      assert.deepEqual((await rest.getApp('selfmade')).processClasses, ['Dozer', 'Journal', 'Tally']);
      // Creating it now takes the host's application over (a script that starts hosts first keeps working), once.
      assert.deepEqual((await rest.createApp('selfmade')).processClasses, ['Dozer', 'Journal', 'Tally']);
      await assert.rejects(rest.createApp('selfmade'), { code: 'ALREADY_EXISTS' });

      const { pid } = await rest.createProcess('selfmade', { processClass: 'Tally' });
      assert.equal(await rest.invoke('selfmade', 'add', 3, { pid }), 3);
      assert.match(
        (await cli('ps', 'selfmade', '--gateway', gateway.httpUrl, '--token', gateway.token)).out,
        new RegExp(`^${pid}\\s+Tally`, 'm'),
      );
    });
  });

  describe('deleting an application (issue 11, item 6)', () => {
    it('forgets a deleted application’s versions, bundles and host caches: the new one of that name starts clean', async function () {
      this.timeout(180_000);
      const codeDir = join(root, 'phoenix-code');
      assert.equal((await rest.deployVersion('phoenix', bundleOf('phoenix', counterModule('old-one')))).version, 1);
      assert.equal((await rest.deployVersion('phoenix', bundleOf('phoenix', counterModule('old-two')))).version, 2);
      const host = await startHost({
        app: 'phoenix',
        hostId: 'phoenix-1',
        env: { ...s3Env, PRAAS_CODE_DIR: codeDir, PRAAS_HEARTBEAT_MS: '500' },
      });
      assert.match(host.output(), /serving phoenix on .* \(code version 2\)/);
      const old = await rest.createProcess('phoenix');
      assert.equal(old.version, 2);
      assert.equal(await rest.invoke('phoenix', 'which', undefined, { pid: old.pid }), 'old-two');

      await rest.deleteApp('phoenix');
      await assert.rejects(rest.getApp('phoenix'), { code: 'APPLICATION_NOT_FOUND' });
      assert.deepEqual(await objects.list('_bundles/phoenix/'), [], 'the deleted application’s bundles are gone');

      const reborn = await rest.deployVersion('phoenix', bundleOf('phoenix', counterModule('reborn')));
      assert.equal(reborn.version, 1, 'a new application counts its versions from 1');
      const fresh = await rest.createProcess('phoenix');
      assert.equal(fresh.version, 1);
      assert.equal(await rest.invoke('phoenix', 'which', undefined, { pid: fresh.pid }), 'reborn');
      assert.equal((await objects.list('_bundles/phoenix/')).length, 1, 'only the new application’s version 1');
      assert.deepEqual(filesContaining(codeDir, 'old-'), [], 'the host dropped the old code from its cache');
      assert.deepEqual(
        (await rest.listProcesses('phoenix')).map((p) => [p.pid, p.version]),
        [[fresh.pid, 1]],
      );
    });
  });

  describe('a deployment whose code does not load (issue 11, item 8)', () => {
    const health = async (port: number): Promise<{ status: number; text: string }> => {
      const r = await http(`http://127.0.0.1:${port}`, 'GET', '/healthz');
      return { status: r.status, text: r.text };
    };

    it('shows the broken host everywhere, fails invokes at once naming the cause, and recovers on a fixed version', async function () {
      this.timeout(240_000);
      const ports = { 'ledger-a': await freePort(), 'ledger-b': await freePort() };
      const env = (id: 'ledger-a' | 'ledger-b', extra: Record<string, string> = {}) => ({
        ...s3Env,
        ...extra,
        PRAAS_CODE_DIR: join(root, `${id}-code`),
        PRAAS_HEARTBEAT_MS: '200',
        PRAAS_HEALTH_PORT: String(ports[id]),
      });
      // Only ledger-a is configured with the ledger's URL.
      const starting = [
        startHost({
          app: 'ledger',
          hostId: 'ledger-a',
          env: env('ledger-a', { LEDGER_URL: 'http://ledger.invalid' }),
          ready: 'praas host ledger-a cannot run ledger',
        }),
        startHost({
          app: 'ledger',
          hostId: 'ledger-b',
          env: env('ledger-b'),
          ready: 'praas host ledger-b cannot run ledger',
        }),
      ];
      // Awaited below; settled here too so that a host failing to start meanwhile is no unhandled rejection.
      void Promise.allSettled(starting);
      // Waiting for its first deployment, a host is up and says so.
      for (const port of Object.values(ports)) {
        // Connecting to NATS first ('starting'), then waiting for the code.
        const waiting = await until('a waiting host on the health port', () =>
          health(port).then(
            (h) => (/waiting/.test(h.text) ? h : undefined),
            () => undefined,
          ),
        );
        assert.equal(waiting.status, 200);
        assert.match(waiting.text, /waiting for the first deployment of ledger/);
      }

      // Version 1 needs a package no host has.
      const missing = "require('praas-missing-dependency');";
      await rest.deployVersion('ledger', bundleOf('ledger', counterModule('v1', missing)));
      await Promise.all(starting);
      for (const port of Object.values(ports)) {
        const h = await health(port);
        assert.equal(h.status, 503);
        assert.match(h.text, /code version 1 .*praas-missing-dependency/);
      }
      const app = await rest.getApp('ledger');
      assert.deepEqual(app.codeErrors?.map((e) => [e.host, e.version]).sort(), [
        ['ledger-a', 1],
        ['ledger-b', 1],
      ]);
      assert.ok((app.codeErrors ?? []).every((e) => /Cannot find module 'praas-missing-dependency'/.test(e.message)));
      const ps = await cli('ps', 'ledger', '--gateway', gateway.httpUrl, '--token', gateway.token);
      assert.equal(ps.code, 0, ps.err);
      assert.match(ps.out, /^host ledger-a cannot load code version 1: .*praas-missing-dependency/m);
      assert.match(ps.out, /^host ledger-b cannot load code version 1: .*praas-missing-dependency/m);

      const invoked = await http(gateway.httpUrl, 'POST', '/v1/apps/ledger/invoke/add', {
        body: 1,
        headers: { authorization: gateway.authorization },
      });
      assert.equal(invoked.status, 502, invoked.text);
      const error = (invoked.json as { error: { code: string; message: string } }).error;
      assert.equal(error.code, 'CODE_LOAD_FAILED');
      assert.match(error.message, /code version 1 of 'ledger'.*praas-missing-dependency/);

      // Version 2 loads where LEDGER_URL is set: ledger-a only. Placement passes over ledger-b.
      const needsUrl = "if (!process.env.LEDGER_URL) throw new Error('LEDGER_URL is not set');";
      await rest.deployVersion('ledger', bundleOf('ledger', counterModule('v2', needsUrl)));
      await until('ledger-a to serve version 2', async () =>
        (await health(ports['ledger-a'])).status === 200 ? true : undefined,
      );
      const b = await until('ledger-b to report version 2', async () => {
        const h = await health(ports['ledger-b']);
        return /code version 2/.test(h.text) ? h : undefined;
      });
      assert.equal(b.status, 503);
      assert.match(b.text, /LEDGER_URL is not set/);
      assert.deepEqual(
        (await rest.getApp('ledger')).codeErrors?.map((e) => [e.host, e.version, e.message.includes('LEDGER_URL')]),
        [['ledger-b', 2, true]],
      );
      const created = [];
      for (let i = 0; i < 3; i++) created.push(await rest.createProcess('ledger'));
      assert.deepEqual(
        created.map((p) => [p.host, p.version]),
        [
          ['ledger-a', 2],
          ['ledger-a', 2],
          ['ledger-a', 2],
        ],
      );
      // Swapped out, a process comes back through whichever host takes the activation; ledger-b hands it on.
      const { pid } = created[0]!;
      await rest.swapProcess('ledger', pid);
      const transport = await NatsTransport.connect({ servers: stack.nats.url, name: 'control-e2e' });
      try {
        const activated = await new HostControl(transport, 'ledger').activate('ledger-b', pid);
        assert.deepEqual([activated.status, activated.host], ['active', 'ledger-a']);
      } finally {
        await transport.close();
      }
      for (let i = 1; i <= 4; i++) {
        await rest.swapProcess('ledger', pid);
        assert.equal(await rest.invoke('ledger', 'add', 1, { pid }), i);
        assert.equal((await rest.getProcess('ledger', pid)).host, 'ledger-a');
      }

      // Version 3 loads everywhere: both hosts pick it up and are healthy again.
      await rest.deployVersion('ledger', bundleOf('ledger', counterModule('v3')));
      for (const port of Object.values(ports))
        await until('a healthy host on version 3', async () =>
          (await health(port)).status === 200 ? true : undefined,
        );
      assert.equal((await rest.getApp('ledger')).codeErrors, undefined);
      const fresh = await rest.createProcess('ledger');
      assert.equal(fresh.version, 3);
      assert.equal(await rest.invoke('ledger', 'which', undefined, { pid: fresh.pid }), 'v3');
    });
  });
});
