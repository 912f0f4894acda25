import assert from 'node:assert/strict';
import {
  DecodeError,
  InvalidArgumentError,
  MemoryRegistry,
  MemoryTransport,
  packBundle,
  unpackBundle,
  UnavailableError,
} from '@praas/framework/internal';
import { credentials, status, type Client, type ClientWritableStream, type ServiceError } from '@grpc/grpc-js';
import {
  ControlPlane,
  ERROR_METADATA_KEY,
  GatewayMetrics,
  GrpcServer,
  loadGatewayService,
  MeteredOperations,
  RestServer,
} from '../../src';
import { bundleOf, MemoryBundleStore } from '../support/memory-bundles';
import { stubProvider } from '../support/stub-provider';

describe('deploying code through the gateway', function () {
  let registry: MemoryRegistry;
  let transport: MemoryTransport;
  let bundles: MemoryBundleStore;
  let plane: ControlPlane;

  beforeEach(function () {
    registry = new MemoryRegistry();
    transport = new MemoryTransport();
    bundles = new MemoryBundleStore();
    plane = new ControlPlane({ transport, registry, provider: stubProvider(), bundles });
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
    const record = await registry.getApp('tally');
    const prefix = `_bundles/tally/${record?.incarnation}/`;
    assert.deepEqual([...bundles.objects.keys()], [`${prefix}000000000001`, `${prefix}000000000002`]);
    assert.deepEqual(unpackBundle(bundles.objects.get(`${prefix}000000000002`)!).manifest.processes, [
      { name: 'Counter' },
      { name: 'Audit' },
    ]);
    assert.deepEqual([record?.version, record?.bundle], [2, `${prefix}000000000002`]);
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

  it('deletes an application with its bundles: the next one of that name is a new incarnation from version 1', async function () {
    await plane.deployVersion('tally', bundleOf('tally'));
    await plane.deployVersion('tally', bundleOf('tally'));
    const old = (await registry.getApp('tally'))!.incarnation;
    await plane.deleteApp('tally');
    assert.deepEqual([...bundles.objects.keys()], []);
    const again = await plane.deployVersion('tally', bundleOf('tally'));
    assert.equal(again.version, 1);
    const record = await registry.getApp('tally');
    assert.notEqual(record?.incarnation, old);
    assert.deepEqual([...bundles.objects.keys()], [`_bundles/tally/${record?.incarnation}/000000000001`]);
  });

  it('does not bring back an application deleted while a deployment was under way', async function () {
    await plane.deployVersion('tally', bundleOf('tally'));
    const old = (await registry.getApp('tally'))!.incarnation;
    // The deletion lands between the deployment's read of the record and its write.
    const realPut = bundles.put.bind(bundles);
    let deleted = false;
    bundles.put = async (key, data) => {
      await realPut(key, data);
      if (!deleted) {
        deleted = true;
        await registry.deleteApp('tally');
      }
    };
    const deployed = await plane.deployVersion('tally', bundleOf('tally'));
    assert.equal(deployed.version, 1, 'a new application, not version 2 of the deleted one');
    assert.notEqual((await registry.getApp('tally'))?.incarnation, old);
  });

  it('refuses to delete an application with deployed code on a gateway that cannot delete its bundles', async function () {
    await plane.deployVersion('tally', bundleOf('tally'));
    const storeless = new ControlPlane({ transport, registry, provider: stubProvider() });
    await assert.rejects(storeless.deleteApp('tally'), /has deployed code, which this gateway cannot delete/);
    assert.equal((await registry.getApp('tally'))?.version, 1, 'nothing was deleted');
  });

  it('refuses a bundle of another application, bytes that are not a bundle, and a gateway without a store', async function () {
    await assert.rejects(plane.deployVersion('tally', bundleOf('other')), InvalidArgumentError);
    await assert.rejects(plane.deployVersion('tally', Buffer.from('zip')), DecodeError);
    const storeless = new ControlPlane({ transport, registry, provider: stubProvider() });
    await assert.rejects(
      storeless.deployVersion('tally', bundleOf('tally')),
      (e: unknown) => e instanceof UnavailableError && /PRAAS_S3_ENDPOINT/.test(e.message),
    );
    assert.equal(await registry.getApp('tally'), undefined);
  });

  describe('gRPC DeployVersion', function () {
    let server: GrpcServer;
    let client: Client;

    beforeEach(async function () {
      const metrics = new GatewayMetrics(plane);
      server = new GrpcServer({
        operations: new MeteredOperations(plane, metrics),
        metrics,
        bodyLimitBytes: 1024,
        bundleLimitBytes: 64 * 1024,
      });
      const port = await server.listen(0, '127.0.0.1');
      client = new (loadGatewayService())(`127.0.0.1:${port}`, credentials.createInsecure());
    });
    afterEach(async function () {
      client.close();
      await server.close();
    });

    /** Streams `chunks` to DeployVersion; resolves with the App or rejects with the status error. */
    const deploy = (chunks: { app?: string; data: Uint8Array; upgrade?: string; wave?: number }[]) =>
      new Promise<{
        name: string;
        version: number;
        processClasses: string[];
        upgradeTo: number;
        upgrade: { policy: string } | null;
      }>((resolve, reject) => {
        const call = (
          client as unknown as Record<
            string,
            (cb: (e: ServiceError | null, r: unknown) => void) => ClientWritableStream<unknown>
          >
        )['DeployVersion']!.call(client, (e, r) => (e ? reject(e) : resolve(r as Awaited<ReturnType<typeof deploy>>)));
        for (const c of chunks)
          call.write({ app: c.app ?? '', data: Buffer.from(c.data), upgrade: c.upgrade ?? '', wave: c.wave ?? 0 });
        call.end();
      });
    const inChunks = (bytes: Uint8Array, size: number, app = 'tally') =>
      Array.from({ length: Math.ceil(bytes.byteLength / size) }, (_, i) => ({
        ...(i === 0 ? { app } : {}),
        data: bytes.subarray(i * size, (i + 1) * size),
      }));
    const failsWith = async (call: Promise<unknown>, code: status, praasCode: string) =>
      assert.rejects(call, (e: ServiceError) => {
        assert.equal(e.code, code, `${status[e.code]}: ${e.details}`);
        const wire = JSON.parse(String(e.metadata.get(ERROR_METADATA_KEY)[0])) as { code: string };
        assert.equal(wire.code, praasCode);
        return true;
      });

    it('takes a bundle in chunks under the message limit, as PUT does, and answers the App with its version', async function () {
      const bundle = packBundle({
        manifest: { app: 'tally', version: '1.0.0', module: 'dist/index.js', processes: [{ name: 'Counter' }] },
        files: new Map([
          ['dist/index.js', Buffer.from(Array.from({ length: 4000 }, (_, i) => i.toString(36)).join(' '))],
        ]),
      });
      assert.ok(bundle.byteLength > 1024, `${bundle.byteLength} bytes`);
      const first = await deploy(inChunks(bundle, 1000));
      assert.deepEqual([first.name, first.version, first.processClasses], ['tally', 1, ['Counter']]);
      const second = await deploy([{ app: 'tally', data: bundleOf('tally') }]);
      assert.equal(second.version, 2);
      const { incarnation } = (await registry.getApp('tally'))!;
      assert.deepEqual(
        unpackBundle(bundles.objects.get(`_bundles/tally/${incarnation}/000000000001`)!).files,
        unpackBundle(bundle).files,
      );
    });

    it('deploys as PUT does after a deletion: a new incarnation, from version 1', async function () {
      await deploy([{ app: 'tally', data: bundleOf('tally') }]);
      const old = (await registry.getApp('tally'))!.incarnation;
      await plane.deleteApp('tally');
      const again = await deploy([{ app: 'tally', data: bundleOf('tally') }]);
      assert.equal(again.version, 1);
      const { incarnation } = (await registry.getApp('tally'))!;
      assert.notEqual(incarnation, old);
      assert.deepEqual([...bundles.objects.keys()], [`_bundles/tally/${incarnation}/000000000001`]);
    });

    it('answers the errors of PUT: over the limit, not a bundle, another application', async function () {
      await failsWith(
        deploy(inChunks(new Uint8Array(64 * 1024 + 1), 1000)),
        status.RESOURCE_EXHAUSTED,
        'PAYLOAD_TOO_LARGE',
      );
      await failsWith(deploy([{ app: 'tally', data: Buffer.from('zip') }]), status.INVALID_ARGUMENT, 'DECODE_FAILED');
      await failsWith(deploy([{ app: 'tally', data: bundleOf('other') }]), status.INVALID_ARGUMENT, 'INVALID_ARGUMENT');
      await failsWith(
        deploy([
          { app: 'tally', data: new Uint8Array(10) },
          { app: 'other', data: new Uint8Array(10) },
        ]),
        status.INVALID_ARGUMENT,
        'INVALID_ARGUMENT',
      );
      await failsWith(deploy([{ data: bundleOf('tally') }]), status.INVALID_ARGUMENT, 'INVALID_NAME');
      assert.equal(await registry.getApp('tally'), undefined);
    });

    it('takes the upgrade policy in the first chunk, answers what the upgrade did, and refuses a wrong one', async function () {
      const first = await deploy([{ app: 'tally', data: bundleOf('tally') }]);
      assert.deepEqual([first.upgradeTo, first.upgrade?.policy], [1, 'idle']);
      const pinned = await deploy([{ app: 'tally', data: bundleOf('tally'), upgrade: 'none' }]);
      assert.deepEqual([pinned.version, pinned.upgradeTo, pinned.upgrade?.policy], [2, 1, 'none']);
      const rolled = await deploy([{ app: 'tally', data: bundleOf('tally'), upgrade: 'rolling', wave: 3 }]);
      assert.deepEqual([rolled.version, rolled.upgradeTo, rolled.upgrade?.policy], [3, 3, 'rolling']);
      await failsWith(
        deploy([{ app: 'tally', data: bundleOf('tally'), upgrade: 'later' }]),
        status.INVALID_ARGUMENT,
        'INVALID_ARGUMENT',
      );
      assert.equal((await registry.getApp('tally'))?.version, 3);
    });

    it('gives GetApp the version over gRPC, as REST does', async function () {
      await deploy([{ app: 'tally', data: bundleOf('tally') }]);
      const got = await new Promise<{ version: number }>((resolve, reject) =>
        (client as unknown as Record<string, (r: object, cb: (e: ServiceError | null, r: unknown) => void) => void>)[
          'GetApp'
        ]!.call(client, { app: 'tally' }, (e, r) => (e ? reject(e) : resolve(r as { version: number }))),
      );
      assert.equal(got.version, 1);
    });
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

    it('takes ?upgrade= and ?wave=, answers what the upgrade did, and refuses wrong ones with 400', async function () {
      const pinned = await fetch(`${url}?upgrade=none`, {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream' },
        body: bundleOf('tally'),
      });
      assert.equal(pinned.status, 201);
      const body = (await pinned.json()) as { version: number; upgradeTo?: number; upgrade: { policy: string } };
      assert.deepEqual([body.version, body.upgradeTo, body.upgrade.policy], [1, undefined, 'none']);
      for (const [query, message] of [
        ['upgrade=soon', /upgrade policy 'soon' is not one of none, idle, rolling/],
        ['upgrade=rolling&wave=x', /query parameter 'wave' must be a whole number, got 'x'/],
        ['upgrade=rolling&wave=5000', /from 1 to 1000, got 5000/],
        ['wave=1&wave=2', /query parameter 'wave' is given twice/],
        ['fast=1', /unknown query parameter 'fast'; deploy takes upgrade, wave/],
      ] as const) {
        const refused = await fetch(`${url}?${query}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/octet-stream' },
          body: bundleOf('tally'),
        });
        assert.equal(refused.status, 400, query);
        assert.match(((await refused.json()) as { error: { message: string } }).error.message, message);
      }
      assert.equal((await registry.getApp('tally'))?.version, 1);
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
