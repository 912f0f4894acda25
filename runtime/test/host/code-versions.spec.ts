import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readlinkSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bundleKey,
  CodeLoadFailedError,
  DataPlaneClient,
  decode,
  encode,
  Fn,
  isProcessClass,
  MemoryLogger,
  MemoryRegistry,
  MemoryTransport,
  newId,
  packBundle,
  Process,
  processDefinitionOf,
  State,
  UnavailableError,
  unwrapReply,
  type Constructor,
} from '@praas/framework/internal';
import {
  BundleLoader,
  FsSwapStore,
  hostNodeModules,
  RuntimeHost,
  type CodeSource,
  type CodeVersion,
  type RuntimeHostOptions,
} from '../../src';
import { CodeVersions } from '../../src/host/code-versions';

function counterOf(step: number): Constructor {
  @Process({ name: 'Counter' })
  class Counter {
    @State() total = 0;

    @Fn()
    add(n: number): number {
      this.total += n * step;
      return this.total;
    }
  }
  return Counter;
}

/**
 * Versions of an application whose `add` counts n times the step of the version (1 for version 1,
 * else 10, unless `steps` says otherwise per `<incarnation>/<version>`); records which versions were
 * loaded. A version listed in `broken` throws its error when loaded.
 */
class TwoVersions implements CodeSource {
  readonly loads: number[] = [];
  readonly loaded: string[] = [];
  readonly retained: (string | undefined)[] = [];
  readonly steps = new Map<string, number>();
  readonly broken = new Map<number, Error>();
  load({ incarnation, version }: CodeVersion): Promise<readonly Constructor[]> {
    this.loads.push(version);
    this.loaded.push(`${incarnation}/${version}`);
    const failure = this.broken.get(version);
    if (failure) return Promise.reject(failure);
    return Promise.resolve([counterOf(this.steps.get(`${incarnation}/${version}`) ?? (version === 1 ? 1 : 10))]);
  }
  retain(keep: string | undefined): Promise<void> {
    this.retained.push(keep);
    return Promise.resolve();
  }
}

describe('RuntimeHost with deployed code versions', function () {
  let dir: string;
  let transport: MemoryTransport;
  let registry: MemoryRegistry;
  let hosts: RuntimeHost[];

  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'praas-versions-'));
    transport = new MemoryTransport();
    registry = new MemoryRegistry();
    hosts = [];
  });

  afterEach(async function () {
    for (const h of hosts) await h.stop({ swapOut: false });
    await registry.close();
    await transport.close();
    await rm(dir, { recursive: true, force: true });
  });

  const deploy = (version: number, incarnation = 'i1') =>
    registry.putApp({
      name: 'tally',
      incarnation,
      createdAt: 1,
      processClasses: ['Counter'],
      version,
      bundle: bundleKey('tally', incarnation, version),
    });

  /** A host of application 'tally' on the suite's transport, registry and directory store. */
  const tallyHost = (options: Partial<RuntimeHostOptions> = {}): RuntimeHost =>
    new RuntimeHost({
      app: 'tally',
      code: new TwoVersions(),
      transport,
      registry,
      store: new FsSwapStore(dir),
      ...options,
    });

  const add = async (pid: string, n: number): Promise<number> => {
    const client = new DataPlaneClient(transport, registry, 'tally');
    const reply = await client.invoke(pid, { t: 'inv', id: newId(), from: 'client:test', fn: 'add', data: encode(n) });
    return decode<number>(unwrapReply(reply)!);
  };

  it('refuses to start before the application has a deployed version', async function () {
    const host = tallyHost();
    await assert.rejects(host.start(), /no deployed code yet; deploy it with praas-framework deploy --gateway/);
  });

  it('creates new processes with the newest version; old ones swap back in with theirs', async function () {
    await deploy(1);
    const code = new TwoVersions();
    const host = tallyHost({ code });
    hosts.push(host);
    await host.start();
    assert.equal(host.codeVersion, 1);
    assert.equal((await host.create('old', 'Counter')).version, 1);
    assert.equal(await add('old', 2), 2);

    await deploy(2);
    assert.equal(await host.refreshCode(), 2);
    assert.equal(await host.refreshCode(), 2, 'a version is loaded once');
    assert.equal((await host.create('new', 'Counter')).version, 2);
    assert.equal(await add('new', 2), 20);

    await host.swapOut('old');
    assert.equal((await registry.getProcess('tally', 'old'))?.version, 1);
    assert.equal((await host.activate('old')).version, 1);
    assert.equal(await add('old', 1), 3, 'version 1 code, with the state it had');
    assert.deepEqual(code.loads, [1, 2]);
  });

  it('loads an older version on demand when another host swaps in a process created with it', async function () {
    await deploy(1);
    const store = new FsSwapStore(dir);
    const first = new RuntimeHost({ app: 'tally', hostId: 'h1', code: new TwoVersions(), transport, registry, store });
    hosts.push(first);
    await first.start();
    await first.create('p', 'Counter');
    assert.equal(await add('p', 5), 5);
    await first.swapOut('p');
    await deploy(2);
    const laterCode = new TwoVersions();
    const later = new RuntimeHost({ app: 'tally', hostId: 'h2', code: laterCode, transport, registry, store });
    hosts.push(later);
    await later.start();
    assert.deepEqual(laterCode.loads, [2]);
    assert.equal((await later.activate('p')).version, 1);
    assert.deepEqual(laterCode.loads, [2, 1]);
    assert.equal(await add('p', 1), 6);
  });
  describe('when the application is deleted and created again', function () {
    it('drops the old incarnation’s code: a process created for the new one runs its version 1 before any heartbeat', async function () {
      await deploy(1);
      await deploy(2);
      const code = new TwoVersions();
      code.steps.set('i2/1', 100);
      // No heartbeat during the test: only the create request can tell the host.
      const host = new RuntimeHost({
        app: 'tally',
        code,
        transport,
        registry,
        store: new FsSwapStore(dir),
        heartbeatMs: 600_000,
      });
      hosts.push(host);
      await host.start();
      assert.equal(host.codeVersion, 2);
      await registry.deleteApp('tally');
      await deploy(1, 'i2');

      const created = await host.create('fresh', 'Counter', { incarnation: 'i2' });
      assert.deepEqual([created.version, host.codeVersion], [1, 1]);
      assert.equal(await add('fresh', 1), 100, 'version 1 of the new application, not version 2 of the old');
      assert.equal((await registry.getProcess('tally', 'fresh'))?.incarnation, 'i2');
      assert.deepEqual(code.loaded, ['i1/2', 'i2/1']);
      assert.deepEqual(code.retained, ['i1', 'i2'], 'the old incarnation’s cache is dropped');
    });

    it('swaps a process of the new incarnation in with its own code on a host that cached the old one', async function () {
      await deploy(1);
      const store = new FsSwapStore(dir);
      const staleCode = new TwoVersions();
      staleCode.steps.set('i2/1', 100);
      const stale = new RuntimeHost({
        app: 'tally',
        hostId: 'stale',
        code: staleCode,
        transport,
        registry,
        store,
        heartbeatMs: 600_000,
      });
      hosts.push(stale);
      await stale.start();
      await registry.deleteApp('tally');
      await deploy(1, 'i2');
      const freshCode = new TwoVersions();
      freshCode.steps.set('i2/1', 100);
      const current = new RuntimeHost({ app: 'tally', hostId: 'current', code: freshCode, transport, registry, store });
      hosts.push(current);
      await current.start();
      await current.create('p', 'Counter', { incarnation: 'i2' });
      assert.equal(await add('p', 1), 100);
      await current.swapOut('p');

      assert.equal((await stale.activate('p')).host, 'stale');
      assert.equal(await add('p', 1), 200, 'the new incarnation’s version 1, with its state');
      assert.deepEqual(staleCode.loaded, ['i1/1', 'i2/1']);
    });

    it('refuses a process record left over from a deleted incarnation', async function () {
      await deploy(1, 'i2');
      const host = tallyHost();
      hosts.push(host);
      await host.start();
      await registry.putProcess({
        app: 'tally',
        pid: 'ghost',
        processClass: 'Counter',
        status: 'swapped',
        generation: 0,
        version: 1,
        incarnation: 'i1',
        updatedAt: Date.now(),
      });
      await assert.rejects(host.activate('ghost'), { code: 'PROCESS_NOT_FOUND' });
    });
  });

  describe('when its code does not load', function () {
    const missing = () => new Error("Cannot find module 'left-pad'\nRequire stack:\n- /tmp/code/dist/index.js");

    it('starts all the same, says why, refuses new processes, and loads the next version that works', async function () {
      await deploy(1);
      const code = new TwoVersions();
      code.broken.set(1, missing());
      const lines: string[] = [];
      const host = new RuntimeHost({
        app: 'tally',
        hostId: 'h1',
        code,
        transport,
        registry,
        store: new FsSwapStore(dir),
        log: (l) => lines.push(l),
      });
      hosts.push(host);
      await host.start();
      assert.deepEqual(host.codeError, { version: 1, message: "Cannot find module 'left-pad'" });
      assert.deepEqual((await registry.listHosts('tally'))[0]?.codeError, host.codeError, 'in the heartbeat');
      assert.match(lines.join('\n'), /cannot load code version 1 of tally: .*left-pad/);
      await assert.rejects(host.create('p', 'Counter'), (e: unknown) => {
        assert.ok(e instanceof CodeLoadFailedError);
        assert.match(
          e.message,
          /code version 1 of 'tally' cannot be loaded on host h1: Cannot find module 'left-pad'; deploy a fixed version/,
        );
        return true;
      });
      assert.equal(await host.refreshCode(), 0);
      assert.deepEqual(code.loads, [1], 'a version that failed is not loaded again');

      await deploy(2);
      assert.equal(await host.refreshCode(), 2);
      assert.equal(host.codeError, undefined);
      await host.heartbeatNow();
      assert.equal((await registry.listHosts('tally'))[0]?.codeError, undefined);
      assert.equal((await host.create('p', 'Counter')).version, 2);
      assert.equal(await add('p', 1), 10);
    });

    it('tries a version again when the cause may pass (the object store did not answer)', async function () {
      await deploy(1);
      const code = new TwoVersions();
      code.broken.set(1, new UnavailableError('the object store did not answer'));
      const host = tallyHost({ code });
      hosts.push(host);
      await host.start();
      assert.equal(host.codeError?.message, 'the object store did not answer');
      code.broken.delete(1);
      assert.equal(await host.refreshCode(), 1);
      assert.equal(host.codeError, undefined);
    });

    it('hands the activation of a process it cannot load on to a host that can', async function () {
      await deploy(1);
      const store = new FsSwapStore(dir);
      const good = new RuntimeHost({
        app: 'tally',
        hostId: 'good',
        code: new TwoVersions(),
        transport,
        registry,
        store,
      });
      const badCode = new TwoVersions();
      badCode.broken.set(1, new Error('LEDGER_URL is not set'));
      const bad = new RuntimeHost({ app: 'tally', hostId: 'bad', code: badCode, transport, registry, store });
      hosts.push(good, bad);
      await good.start();
      await bad.start();
      await good.create('p', 'Counter');
      assert.equal(await add('p', 4), 4);
      await good.swapOut('p');

      assert.equal((await bad.activate('p')).host, 'good');
      assert.equal(await add('p', 1), 5);
      await good.swapOut('p');
      // Handed on already, it is not handed on again: the error names the cause.
      await assert.rejects(
        bad.activate('p', { forwarded: true }),
        /cannot be loaded on host bad: LEDGER_URL is not set/,
      );
      await good.stop();
      hosts.splice(hosts.indexOf(good), 1);
      await assert.rejects(bad.activate('p'), { code: 'CODE_LOAD_FAILED' });
    });
  });
});

describe('RuntimeHost with a local module', function () {
  let dir: string;
  let transport: MemoryTransport;
  let registry: MemoryRegistry;
  let host: RuntimeHost | undefined;

  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'praas-module-host-'));
    transport = new MemoryTransport();
    registry = new MemoryRegistry();
  });
  afterEach(async function () {
    await host?.stop({ swapOut: false });
    host = undefined;
    await registry.close();
    await transport.close();
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (): Promise<void> => {
    host = new RuntimeHost({
      app: 'tally',
      processes: [counterOf(1)],
      transport,
      registry,
      store: new FsSwapStore(dir),
    });
    await host.start();
  };

  it('creates its application when it is missing', async function () {
    await start();
    const app = await registry.getApp('tally');
    assert.deepEqual(
      [app?.processClasses, app?.functions, app?.createdByHost],
      [['Counter'], { Counter: ['add'] }, host!.id],
    );
    assert.match(app?.incarnation ?? '', /^[0-9a-f-]{36}$/);
  });

  it('fills in the classes of an application created without any, and leaves one created with classes alone', async function () {
    await registry.putApp({ name: 'tally', incarnation: 'i1', createdAt: 1, processClasses: [] });
    await start();
    assert.deepEqual(await registry.getApp('tally'), {
      name: 'tally',
      incarnation: 'i1',
      createdAt: 1,
      processClasses: ['Counter'],
      functions: { Counter: ['add'] },
    });
    await host!.stop({ swapOut: false });
    await registry.putApp({ name: 'tally', incarnation: 'i1', createdAt: 1, processClasses: ['Audit'] });
    await start();
    assert.deepEqual((await registry.getApp('tally'))?.processClasses, ['Audit']);
  });
});

/** Stores code version 1 of `app` (incarnation i1): a bundle of `files`, its module dist/index.js defining `processClass`. */
async function putVersion1(
  store: FsSwapStore,
  app: string,
  processClass: string,
  files: Record<string, string>,
): Promise<void> {
  const manifest = { app, version: '1.0.0', module: 'dist/index.js', processes: [{ name: processClass }] };
  const contents = new Map(Object.entries(files).map(([path, text]): [string, Buffer] => [path, Buffer.from(text)]));
  await store.put(bundleKey(app, 'i1', 1), packBundle({ manifest, files: contents }));
}

describe('BundleLoader', function () {
  let dir: string;

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'praas-bundle-loader-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('unpacks a bundle from the store and loads its classes against the host’s own @praas/framework', async function () {
    const store = new FsSwapStore(join(dir, 'store'));
    // Compiled user code as `tsc` emits it for the decorators: it requires @praas/framework by name.
    const module = [
      "'use strict';",
      "const { Process, Fn, State } = require('@praas/framework');",
      'class Greeter { constructor() { this.greeted = 0; } hello(name) { this.greeted++; return `hello ${name}`; } }',
      "Reflect.decorate([State()], Greeter.prototype, 'greeted');",
      "const hello = Object.getOwnPropertyDescriptor(Greeter.prototype, 'hello');",
      "Object.defineProperty(Greeter.prototype, 'hello', Reflect.decorate([Fn()], Greeter.prototype, 'hello', hello));",
      'exports.Greeter = Reflect.decorate([Process()], Greeter);',
    ].join('\n');
    await putVersion1(store, 'greet', 'Greeter', {
      'package.json': '{"name":"greet","version":"1.0.0"}',
      'dist/index.js': module,
    });
    const cacheDir = join(dir, 'cache');
    const loader = new BundleLoader({ app: 'greet', store, cacheDir });
    const [greeter] = await loader.load({ incarnation: 'i1', version: 1 });
    // Recognized by this copy of the framework: one reflect-metadata, one metadata store.
    assert.ok(isProcessClass(greeter));
    assert.deepEqual([...processDefinitionOf(greeter).functions.keys()], ['hello']);
    const [unpacked] = readdirSync(join(cacheDir, 'greet', 'i1'));
    assert.match(unpacked!, /^1-[0-9a-f]{16}$/);
    assert.equal(readlinkSync(join(cacheDir, 'greet', 'i1', unpacked!, 'node_modules')), hostNodeModules());
    // Loading again reuses the unpacked directory.
    const [same] = await loader.load({ incarnation: 'i1', version: 1 });
    assert.equal(same, greeter, 'the module stays loaded');
    assert.deepEqual(readdirSync(join(cacheDir, 'greet', 'i1')), [unpacked]);
    // Unloaded (no process runs it any more): its modules leave Node's cache, its files stay; a later load is fresh.
    const entry = join(cacheDir, 'greet', 'i1', unpacked!, 'dist', 'index.js');
    assert.ok(require.cache[entry] !== undefined);
    await loader.unload({ incarnation: 'i1', version: 1 });
    assert.equal(require.cache[entry], undefined);
    const [fresh] = await loader.load({ incarnation: 'i1', version: 1 });
    assert.notEqual(fresh, greeter);
    assert.deepEqual(readdirSync(join(cacheDir, 'greet', 'i1')), [unpacked]);
    // The application was deleted and created anew: only the new incarnation's code stays.
    mkdirSync(join(cacheDir, 'greet', 'i2'));
    await loader.retain('i2');
    assert.deepEqual(readdirSync(join(cacheDir, 'greet')), ['i2']);
    await loader.retain(undefined);
    assert.deepEqual(readdirSync(join(cacheDir, 'greet')), []);
    await assert.rejects(loader.load({ incarnation: 'i1', version: 2 }), /code version 2 of 'greet' is not in/);
  });

  it('loads code with the dependencies its bundle ships, beside the host’s own packages', async function () {
    const store = new FsSwapStore(join(dir, 'store'));
    const module = [
      "'use strict';",
      "const { Process } = require('@praas/framework');",
      "const pad = require('left-pad');",
      'class Padder { pad() { return pad; } }',
      'exports.Padder = Reflect.decorate([Process()], Padder);',
    ].join('\n');
    await putVersion1(store, 'pad', 'Padder', {
      'package.json': '{"name":"pad","dependencies":{"left-pad":"1","@praas/framework":"0.1.0"}}',
      'dist/index.js': module,
      'node_modules/left-pad/package.json': '{"name":"left-pad","version":"1.3.0"}',
      'node_modules/left-pad/index.js': "module.exports = 'padded';",
    });
    const loader = new BundleLoader({ app: 'pad', store, cacheDir: join(dir, 'cache') });
    const [padder] = await loader.load({ incarnation: 'i1', version: 1 });
    assert.ok(isProcessClass(padder), 'the host’s @praas/framework recognises the class');
    assert.equal(new (padder as new () => { pad(): string })().pad(), 'padded');
  });

  it('refuses code whose dependencies are neither in its bundle nor on the host, naming them', async function () {
    const store = new FsSwapStore(join(dir, 'store'));
    await store.put(
      bundleKey('bare', 'i1', 1),
      packBundle({
        manifest: { app: 'bare', version: '1.0.0', module: 'dist/index.js', processes: [{ name: 'X' }] },
        files: new Map([
          [
            'package.json',
            Buffer.from('{"name":"bare","dependencies":{"not-on-any-host":"1","@praas/framework":"0.1.0"}}'),
          ],
          ['dist/index.js', Buffer.from("require('not-on-any-host');")],
        ]),
      }),
    );
    const loader = new BundleLoader({ app: 'bare', store, cacheDir: join(dir, 'cache') });
    await assert.rejects(
      loader.load({ incarnation: 'i1', version: 1 }),
      /code version 1 of 'bare' depends on packages that are neither in its bundle nor on this host: not-on-any-host;/,
    );
  });
});

describe('CodeVersions', function () {
  let registry: MemoryRegistry;
  let logger: MemoryLogger;

  beforeEach(function () {
    registry = new MemoryRegistry();
    logger = new MemoryLogger();
  });
  afterEach(() => registry.close());

  const deploy = (version: number, incarnation = 'i1') =>
    registry.putApp({ name: 'tally', incarnation, createdAt: 1, processClasses: ['Counter'], version });
  const deployed = (code: CodeSource = new TwoVersions()) =>
    new CodeVersions({ app: 'tally', hostId: 'h1', registry, code, logger });

  it('needs a local module or a code source', function () {
    assert.throws(
      () => new CodeVersions({ app: 'tally', hostId: 'h1', registry, logger }),
      /needs its process classes or a code source/,
    );
  });

  it('runs every process of a local module with the module, recording no code fields', async function () {
    const code = new CodeVersions({ app: 'tally', hostId: 'h1', registry, processes: [counterOf(1)], logger });
    await code.start();
    assert.deepEqual(
      [code.processClasses, code.codeVersion, await code.refresh()],
      [['Counter'], undefined, undefined],
    );
    assert.deepEqual([code.newestCode(), code.codeOf({ version: 3, incarnation: 'i9' })], [{}, {}]);
    code.assertNewestLoaded();
  });

  it('records the newest version for new processes and keeps a process on its own', async function () {
    await deploy(2);
    const code = deployed();
    await code.start();
    assert.deepEqual(code.newestCode(), { version: 2, incarnation: 'i1' });
    assert.deepEqual(code.codeOf({}), { version: 2, incarnation: 'i1' });
    assert.deepEqual(code.codeOf({ version: 1, incarnation: 'i1' }), { version: 1, incarnation: 'i1' });
  });

  it('has no code to create with before the first version is loaded', function () {
    assert.throws(
      () => deployed().assertNewestLoaded(),
      (e: unknown) => e instanceof UnavailableError,
    );
  });

  it('looks again when a create names an incarnation it has not seen, and refuses one that is gone again', async function () {
    await deploy(1, 'i1');
    const code = deployed();
    await code.start();
    await deploy(1, 'i2');
    await code.expectIncarnation('i2', 'p');
    assert.equal(code.incarnation, 'i2');
    await code.expectIncarnation(undefined, 'p');
    await assert.rejects(
      code.expectIncarnation('i1', 'p'),
      /was deleted or created anew while process 'p' was being created/,
    );
  });

  it('logs a version that does not load once, at error, with the version', async function () {
    await deploy(1);
    const source = new TwoVersions();
    source.broken.set(1, new Error('LEDGER_URL is not set'));
    const code = deployed(source);
    await code.start();
    await code.refresh();
    const errors = logger.at('error', 'cannot load the newest code version');
    assert.deepEqual(
      errors.map((r) => [r['version'], r['retry']]),
      [[1, false]],
    );
    assert.throws(
      () => code.assertNewestLoaded(),
      (e: unknown) => e instanceof CodeLoadFailedError,
    );
    await deploy(2);
    await code.refresh();
    assert.deepEqual(
      logger.at('info', 'loaded code version').map((r) => r['version']),
      [2],
    );
  });
});
