import assert from 'node:assert/strict';
import type { AppInfo, DeployOptions } from '@praas/framework/internal';
import { unpackBundle } from '@praas/framework/internal';
import {
  deployToGateway,
  deployUpgradeOptions,
  packProject,
  upgradeLines,
  type DeployClient,
} from '../src/commands/deploy-gateway';
import { UsageError } from '../src/usage-error';
import { cli, TempProject } from './temp-project';

const MANIFEST = {
  manifestVersion: 1,
  app: 'tally',
  version: '0.3.0',
  module: 'dist/index.js',
  frameworkVersion: '0.1.0',
  processes: [{ name: 'Counter', export: 'Counter', functions: [], state: [] }],
};

/** A project as `praas-framework build` leaves it (no tsconfig: the output directory is dist/). */
function builtProject(): TempProject {
  return new TempProject('tally')
    .write('package.json', '{"name":"tally","version":"0.3.0"}')
    .write('src/index.ts', 'export {};\n')
    .write('dist/index.js', 'exports.Counter = class Counter {};\n')
    .write('dist/lib/helper.js', 'exports.help = 1;\n')
    .write('dist/node_modules/left-behind/index.js', '\n')
    .write('dist/praas.manifest.json', JSON.stringify(MANIFEST));
}

class RecordingGateway implements DeployClient {
  readonly uploads: { app: string; bundle: Uint8Array; options?: DeployOptions }[] = [];
  deployVersion(app: string, bundle: Uint8Array, options?: DeployOptions): Promise<AppInfo> {
    this.uploads.push({ app, bundle, ...(options === undefined ? {} : { options }) });
    return Promise.resolve({ name: app, processClasses: ['Counter'], createdAt: 1, version: this.uploads.length });
  }
}

describe('praas-framework deploy --gateway', function () {
  const projects: TempProject[] = [];
  after(() => projects.forEach((p) => p.remove()));

  it('packs package.json and the build output, without node_modules or sources', function () {
    const project = builtProject();
    projects.push(project);
    const packed = packProject(project.dir);
    const bundle = unpackBundle(packed.bundle);
    assert.deepEqual([...bundle.files.keys()].sort(), [
      'dist/index.js',
      'dist/lib/helper.js',
      'dist/praas.manifest.json',
      'package.json',
    ]);
    assert.equal(bundle.manifest.module, 'dist/index.js');
    assert.equal(packed.fileCount, 4);
  });

  it('uploads the bundle as the next version and shows each step', async function () {
    const project = builtProject();
    projects.push(project);
    const gateway = new RecordingGateway();
    const lines: string[] = [];
    const say = (l: string) => lines.push(l);
    await deployToGateway({ project: project.dir, gatewayUrl: 'http://gw:8080' }, gateway, say);
    const second = await deployToGateway({ project: project.dir, gatewayUrl: 'http://gw:8080' }, gateway, say);
    assert.equal(second.version, 2);
    assert.deepEqual(
      gateway.uploads.map((u) => u.app),
      ['tally', 'tally'],
    );
    const size = gateway.uploads[0]!.bundle.byteLength;
    assert.match(lines[0]!, /^packing /);
    assert.match(lines[1]!, /^ {2}no production dependencies to ship \(runtime hosts provide @praas\/framework, /);
    assert.match(lines[2]!, /^ {2}4 files, \d+ bytes; bundle \d+ bytes \(gzip\)$/);
    assert.equal(lines[3], `uploading ${size} bytes to http://gw:8080`);
    assert.equal(lines[4], "registered application 'tally' version 1 (package 0.3.0): Counter");
    assert.ok(lines.includes("registered application 'tally' version 2 (package 0.3.0): Counter"));
    await deployToGateway(
      { project: project.dir, gatewayUrl: 'http://gw:8080', upgrade: 'rolling', wave: 4 },
      gateway,
      say,
    );
    assert.deepEqual(
      gateway.uploads.map((u) => u.options),
      [{}, {}, { upgrade: 'rolling', wave: 4 }],
    );
  });

  it('takes --upgrade none|idle|rolling and --wave N with rolling only, and prints what the upgrade did', function () {
    const options = (entries: [string, string][]) => deployUpgradeOptions(new Map(entries));
    assert.deepEqual(options([]), {});
    assert.deepEqual(options([['upgrade', 'none']]), { upgrade: 'none' });
    assert.deepEqual(
      options([
        ['upgrade', 'rolling'],
        ['wave', '8'],
      ]),
      { upgrade: 'rolling', wave: 8 },
    );
    assert.throws(() => options([['upgrade', 'eager']]), UsageError);
    assert.throws(() => options([['upgrade', 'eager']]), /--upgrade must be one of none, idle, rolling, got 'eager'/);
    assert.throws(() => options([['wave', '8']]), /add --upgrade rolling/);
    assert.throws(
      () =>
        options([
          ['upgrade', 'rolling'],
          ['wave', '0'],
        ]),
      /--wave must be a whole number of at least 1/,
    );
    const app: AppInfo = { name: 'tally', processClasses: ['Counter'], createdAt: 1, version: 3 };
    assert.deepEqual(upgradeLines(app), []);
    assert.deepEqual(upgradeLines({ ...app, upgrade: { policy: 'idle', moved: 0, failed: [], skipped: 0 } }), [
      'existing processes move to version 3 the next time they swap in (--upgrade idle)',
    ]);
    assert.deepEqual(
      upgradeLines({
        ...app,
        upgrade: {
          policy: 'rolling',
          moved: 7,
          skipped: 1,
          failed: [{ pid: 'c2', version: 3, code: 'MIGRATION_FAILED', message: 'Counter.up2 threw no' }],
        },
      }),
      [
        'rolling upgrade: 7 active process(es) moved to version 3, 1 failed, 1 no longer active (they move at their next swap-in); swapped-out processes move at their next swap-in',
        '  c2 stays on its version: MIGRATION_FAILED: Counter.up2 threw no',
      ],
    );
  });

  it('packs the production dependencies, transitively, but neither dev dependencies nor what hosts provide', function () {
    const project = builtProject()
      .write(
        'package.json',
        JSON.stringify({
          name: 'tally',
          version: '0.3.0',
          dependencies: { 'left-pad': '1.3.0', '@praas/framework': '0.1.0' },
          devDependencies: { mocha: '11.0.0' },
        }),
      )
      .write(
        'node_modules/left-pad/package.json',
        '{"name":"left-pad","version":"1.3.0","dependencies":{"pad-core":"2"}}',
      )
      .write('node_modules/left-pad/index.js', "module.exports = require('pad-core');\n")
      .write('node_modules/left-pad/node_modules/pad-core/package.json', '{"name":"pad-core","version":"2.0.0"}')
      .write('node_modules/left-pad/node_modules/pad-core/index.js', 'module.exports = 1;\n')
      .write('node_modules/@praas/framework/package.json', '{"name":"@praas/framework","version":"0.1.0"}')
      .write('node_modules/mocha/package.json', '{"name":"mocha","version":"11.0.0"}');
    projects.push(project);
    const packed = packProject(project.dir);
    const paths = [...unpackBundle(packed.bundle).files.keys()];
    assert.deepEqual(paths.filter((p) => p.startsWith('node_modules/')).sort(), [
      'node_modules/left-pad/index.js',
      'node_modules/left-pad/node_modules/pad-core/index.js',
      'node_modules/left-pad/node_modules/pad-core/package.json',
      'node_modules/left-pad/package.json',
    ]);
    assert.deepEqual(packed.dependencies, ['left-pad@1.3.0', 'pad-core@2.0.0']);
  });

  it('fails before uploading, naming each production dependency that is not installed', async function () {
    const project = builtProject().write(
      'package.json',
      JSON.stringify({ name: 'tally', version: '0.3.0', dependencies: { 'left-pad': '1.3.0', nanoid: '5' } }),
    );
    projects.push(project);
    const gateway = new RecordingGateway();
    await assert.rejects(
      deployToGateway({ project: project.dir, gatewayUrl: 'http://gw:8080' }, gateway, () => undefined),
      /production dependencies are not installed .*left-pad \(required by package\.json\), nanoid \(required by package\.json\); run npm install/,
    );
    assert.equal(gateway.uploads.length, 0, 'nothing was uploaded');
  });

  it('asks for a build first, and keeps kubernetes options away from --gateway', async function () {
    const unbuilt = new TempProject('raw').write('package.json', '{"name":"raw"}');
    projects.push(unbuilt);
    const notBuilt = await cli('deploy', '--gateway', 'http://127.0.0.1:9', '--project', unbuilt.dir);
    assert.equal(notBuilt.code, 1);
    assert.match(notBuilt.err.at(-1)!, /INVALID_ARGUMENT: .*no praas\.manifest\.json.*run praas-framework build/);
    const mixed = await cli('deploy', '--gateway', 'http://127.0.0.1:9', '--out', 'k8s');
    assert.equal(mixed.code, 2);
    assert.match(
      mixed.err[0]!,
      /deploy --gateway takes only --project DIR, --upgrade none\|idle\|rolling, --wave N, --token T, --ca FILE and --quiet, not --out/,
    );
    const badUrl = await cli('deploy', '--gateway', 'gateway:8080');
    assert.equal(badUrl.code, 2);
  });
});
