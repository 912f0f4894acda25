import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import {
  bundleKey,
  bundlePrefix,
  incarnationBundlePrefix,
  DecodeError,
  InvalidArgumentError,
  isSafeBundlePath,
  packBundle,
  PayloadTooLargeError,
  unpackBundle,
} from '../../src/internal';

const manifest = { app: 'tally', version: '0.1.0', module: 'dist/index.js', processes: [{ name: 'Counter' }] };
const files = new Map<string, Uint8Array>([
  ['package.json', Buffer.from('{"name":"tally"}')],
  ['dist/index.js', Buffer.from('exports.x = 1;\n')],
  ['dist/data.bin', new Uint8Array([0, 255, 1, 254])],
]);

describe('code bundles', function () {
  it('unpack to the files and manifest that were packed, byte for byte', function () {
    const bundle = unpackBundle(packBundle({ manifest, files }));
    assert.deepEqual(bundle.manifest, manifest);
    assert.deepEqual(
      [...bundle.files].map(([p, b]) => [p, Buffer.from(b).toString('hex')]),
      [...files].map(([p, b]) => [p, Buffer.from(b).toString('hex')]).sort(),
    );
  });

  it('refuse paths that could leave the bundle directory, on both ends', function () {
    for (const bad of ['../x.js', '/etc/passwd', 'a/../../b', 'a//b', './a', 'C:/x', 'a\\b', '']) {
      assert.equal(isSafeBundlePath(bad), false, bad);
      assert.throws(
        () => packBundle({ manifest, files: new Map([...files, [bad, new Uint8Array()]]) }),
        InvalidArgumentError,
      );
    }
    const forged = gzipSync(
      JSON.stringify({
        format: 'praas-bundle',
        formatVersion: 1,
        manifest,
        files: { 'dist/index.js': '', '../evil.js': '' },
      }),
    );
    assert.throws(
      () => unpackBundle(forged),
      (e: unknown) => e instanceof DecodeError && /unsafe path/.test(e.message),
    );
  });

  it('say what is wrong with bytes that are not a bundle', function () {
    assert.throws(() => unpackBundle(Buffer.from('not gzip')), /not gzip data/);
    assert.throws(() => unpackBundle(gzipSync('{"format":"zip"}')), /is not praas-bundle\/1/);
    assert.throws(
      () =>
        unpackBundle(gzipSync(JSON.stringify({ format: 'praas-bundle', formatVersion: 1, manifest: {}, files: {} }))),
      /run praas-framework build/,
    );
    const withFunctions = (functions: unknown) =>
      gzipSync(
        JSON.stringify({
          format: 'praas-bundle',
          formatVersion: 1,
          manifest: { ...manifest, processes: [{ name: 'Counter', functions }] },
          files: { 'dist/index.js': '' },
        }),
      );
    assert.deepEqual(unpackBundle(withFunctions([{ name: 'add' }])).manifest.processes, [
      { name: 'Counter', functions: [{ name: 'add' }] },
    ]);
    for (const bad of ['add', [{ name: 'a.b' }], [null]])
      assert.throws(() => unpackBundle(withFunctions(bad)), /functions with names/, JSON.stringify(bad));
    assert.throws(
      () => packBundle({ manifest: { ...manifest, module: 'dist/main.js' }, files }),
      /lacks its entry module dist\/main\.js/,
    );
  });

  it('stop unpacking past the limit, so a small upload cannot expand without bound', function () {
    const big = packBundle({ manifest, files: new Map([...files, ['dist/zeros', new Uint8Array(1 << 20)]]) });
    assert.ok(big.byteLength < 10_000);
    assert.throws(() => unpackBundle(big, 64 * 1024), PayloadTooLargeError);
  });

  it('live under _bundles/<app>/<incarnation>/, apart from every snapshot prefix, in version order', function () {
    assert.equal(bundleKey('tally', 'i1', 2), '_bundles/tally/i1/000000000002');
    assert.ok(bundleKey('tally', 'i1', 10) > bundleKey('tally', 'i1', 9));
    assert.ok(bundleKey('tally', 'i1', 1).startsWith(incarnationBundlePrefix('tally', 'i1')));
    assert.ok(incarnationBundlePrefix('tally', 'i1').startsWith(bundlePrefix('tally')));
    assert.ok(!bundleKey('tally', 'i2', 1).startsWith(incarnationBundlePrefix('tally', 'i1')));
    assert.throws(() => bundleKey('tally', 'i1', 0), /positive integer/);
    assert.throws(() => bundleKey('tally', 'a/b', 1), /invalid application incarnation/);
  });
});
