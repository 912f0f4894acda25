import assert from 'node:assert/strict';
import {
  DecodeError,
  InvalidArgumentError,
  MemoryRegistry,
  MemoryTransport,
  packBundle,
  unpackBundle,
  UnavailableError,
  type AppRecord,
} from '@praas/framework';
import {
  ControlPlane,
  GatewayMetrics,
  MeteredOperations,
  RestServer,
  type BundleStore,
  type HostProvider,
} from '../../src';

class MemoryBundleStore implements BundleStore {
  readonly objects = new Map<string, Uint8Array>();
  put(key: string, data: Uint8Array): Promise<void> {
    this.objects.set(key, data);
    return Promise.resolve();
  }
  describe(): string {
    return 'memory';
  }
}

const noHosts: HostProvider = {
  ensureHosts: (_app: AppRecord) => Promise.resolve(),
  releaseHosts: () => Promise.resolve(),
  knownProcessClasses: () => Promise.resolve([]),
  close: () => Promise.resolve(),
};

function bundleOf(app: string, classes = ['Counter']): Uint8Array {
  return packBundle({
    manifest: { app, version: '1.0.0', module: 'dist/index.js', processes: classes.map((name) => ({ name })) },
    files: new Map([['dist/index.js', Buffer.from('exports.x = 1;')]]),
  });
}

describe('deploying code through the gateway', function () {
  let registry: MemoryRegistry;
  let transport: MemoryTransport;
  let bundles: MemoryBundleStore;
  let plane: ControlPlane;

  beforeEach(function () {
    registry = new MemoryRegistry();
    transport = new MemoryTransport();
    bundles = new MemoryBundleStore();
    plane = new ControlPlane({ transport, registry, provider: noHosts, bundles });
  });
  afterEach(async function () {
    await registry.close();
    await transport.close();
  });

  it('creates the application with the manifest’s classes, and counts versions up on every deploy', async function () {
    const first = await plane.deployVersion('tally', bundleOf('tally'));
    assert.deepEqual([first.name, first.version, first.processClasses], ['tally', 1, ['Counter']]);
    const second = await plane.deployVersion('tally', bundleOf('tally', ['Counter', 'Audit']));
    assert.deepEqual(
      [second.version, second.processClasses, second.createdAt],
      [2, ['Counter', 'Audit'], first.createdAt],
    );
    assert.deepEqual([...bundles.objects.keys()], ['_bundles/tally/000000000001', '_bundles/tally/000000000002']);
    assert.deepEqual(unpackBundle(bundles.objects.get('_bundles/tally/000000000002')!).manifest.processes, [
      { name: 'Counter' },
      { name: 'Audit' },
    ]);
    const record = await registry.getApp('tally');
    assert.deepEqual([record?.version, record?.bundle], [2, '_bundles/tally/000000000002']);
    assert.equal((await plane.getApp('tally')).version, 2);
  });

  it('records the functions of each class from the manifest, for routing invocations without a pid', async function () {
    const bundle = packBundle({
      manifest: {
        app: 'shop',
        version: '1.0.0',
        module: 'dist/index.js',
        processes: [{ name: 'Cart', functions: [{ name: 'add' }, { name: 'get' }] }, { name: 'Legacy' }],
      },
      files: new Map([['dist/index.js', Buffer.from('exports.x = 1;')]]),
    });
    await plane.deployVersion('shop', bundle);
    assert.deepEqual((await registry.getApp('shop'))?.functions, { Cart: ['add', 'get'] });
  });

  it('refuses a bundle of another application, bytes that are not a bundle, and a gateway without a store', async function () {
    await assert.rejects(plane.deployVersion('tally', bundleOf('other')), InvalidArgumentError);
    await assert.rejects(plane.deployVersion('tally', Buffer.from('zip')), DecodeError);
    const storeless = new ControlPlane({ transport, registry, provider: noHosts });
    await assert.rejects(
      storeless.deployVersion('tally', bundleOf('tally')),
      (e: unknown) => e instanceof UnavailableError && /PRAAS_S3_ENDPOINT/.test(e.message),
    );
    assert.equal(await registry.getApp('tally'), undefined);
  });

  describe('PUT /v1/apps/{app}/versions', function () {
    let server: RestServer;
    let url: string;

    beforeEach(async function () {
      server = new RestServer({
        operations: new MeteredOperations(plane, new GatewayMetrics(plane)),
        metrics: new GatewayMetrics(plane),
        bodyLimitBytes: 1024,
        bundleLimitBytes: 64 * 1024,
      });
      const address = await server.listen(0, '127.0.0.1');
      url = `http://127.0.0.1:${address.port}/v1/apps/tally/versions`;
    });
    afterEach(() => server.close());

    const put = (body: Uint8Array, type = 'application/octet-stream') =>
      fetch(url, { method: 'PUT', headers: { 'content-type': type }, body });

    it('takes a bundle over the JSON body limit and answers 201 with the new version', async function () {
      const bundle = packBundle({
        manifest: { app: 'tally', version: '1.0.0', module: 'dist/index.js', processes: [{ name: 'Counter' }] },
        files: new Map([
          ['dist/index.js', Buffer.from(Array.from({ length: 4000 }, (_, i) => i.toString(36)).join(' '))],
        ]),
      });
      assert.ok(bundle.byteLength > 1024, `${bundle.byteLength} bytes`);
      const response = await put(bundle);
      assert.equal(response.status, 201);
      assert.equal(response.headers.get('location'), '/v1/apps/tally');
      assert.equal(((await response.json()) as { version: number }).version, 1);
    });

    it('answers 415 for another media type and 413 over the bundle limit', async function () {
      const wrongType = await put(bundleOf('tally'), 'application/json');
      assert.equal(wrongType.status, 415);
      assert.equal(((await wrongType.json()) as { error: { code: string } }).error.code, 'UNSUPPORTED_MEDIA_TYPE');
      const tooLarge = await put(new Uint8Array(64 * 1024 + 1));
      assert.equal(tooLarge.status, 413);
      assert.equal(await registry.getApp('tally'), undefined);
    });
  });
});
