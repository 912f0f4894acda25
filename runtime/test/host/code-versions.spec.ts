import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readlinkSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bundleKey,
  DataPlaneClient,
  decode,
  encode,
  Fn,
  isProcessClass,
  MemoryRegistry,
  MemoryTransport,
  newId,
  packBundle,
  Process,
  processDefinitionOf,
  State,
  unwrapReply,
  type Constructor,
} from '@praas/framework';
import { BundleLoader, FsSwapStore, hostNodeModules, RuntimeHost, type CodeSource } from '../../src';

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

/** Versions 1 and 2 of an application whose `add` counts n, then 10n; records which versions were loaded. */
class TwoVersions implements CodeSource {
  readonly loads: number[] = [];
  load(version: number): Promise<readonly Constructor[]> {
    this.loads.push(version);
    return Promise.resolve([counterOf(version === 1 ? 1 : 10)]);
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

  const deploy = (version: number) =>
    registry.putApp({
      name: 'tally',
      createdAt: 1,
      processClasses: ['Counter'],
      version,
      bundle: bundleKey('tally', version),
    });

  const add = async (pid: string, n: number): Promise<number> => {
    const client = new DataPlaneClient(transport, registry, 'tally');
    const reply = await client.invoke(pid, { t: 'inv', id: newId(), from: 'client:test', fn: 'add', data: encode(n) });
    return decode<number>(unwrapReply(reply)!);
  };

  it('refuses to start before the application has a deployed version', async function () {
    const host = new RuntimeHost({
      app: 'tally',
      code: new TwoVersions(),
      transport,
      registry,
      store: new FsSwapStore(dir),
    });
    await assert.rejects(host.start(), /no deployed code yet; deploy it with praas-framework deploy --gateway/);
  });

  it('creates new processes with the newest version; old ones swap back in with theirs', async function () {
    await deploy(1);
    const code = new TwoVersions();
    const host = new RuntimeHost({ app: 'tally', code, transport, registry, store: new FsSwapStore(dir) });
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
});

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
    const manifest = { app: 'greet', version: '1.0.0', module: 'dist/index.js', processes: [{ name: 'Greeter' }] };
    await store.put(
      bundleKey('greet', 1),
      packBundle({
        manifest,
        files: new Map([
          ['package.json', Buffer.from('{"name":"greet","version":"1.0.0"}')],
          ['dist/index.js', Buffer.from(module)],
        ]),
      }),
    );
    const cacheDir = join(dir, 'cache');
    const loader = new BundleLoader({ app: 'greet', store, cacheDir });
    const [greeter] = await loader.load(1);
    // Recognized by this copy of the framework: one reflect-metadata, one metadata store.
    assert.ok(isProcessClass(greeter));
    assert.deepEqual([...processDefinitionOf(greeter).functions.keys()], ['hello']);
    const [unpacked] = readdirSync(join(cacheDir, 'greet'));
    assert.match(unpacked!, /^1-[0-9a-f]{16}$/);
    assert.equal(readlinkSync(join(cacheDir, 'greet', unpacked!, 'node_modules')), hostNodeModules());
    // Loading again reuses the unpacked directory.
    await loader.load(1);
    assert.deepEqual(readdirSync(join(cacheDir, 'greet')), [unpacked]);
    await assert.rejects(loader.load(2), /code version 2 of 'greet' is not in/);
  });
});
