import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, TempProject } from './temp-project';

describe('praas-framework init', () => {
  let scratch: TempProject;
  beforeEach(() => {
    scratch = new TempProject();
  });
  afterEach(() => scratch.remove());

  it('writes a project named after its directory, depending on this framework version', async () => {
    const dir = join(scratch.root, 'Order Desk');
    const result = await cli('init', dir);
    assert.equal(result.code, 0, result.err.join('\n'));
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      name: string;
      main: string;
      scripts: Record<string, string>;
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const own = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    assert.equal(pkg.name, 'order-desk');
    assert.equal(pkg.main, 'dist/index.js');
    assert.deepEqual(pkg.dependencies, { '@praas/framework': own.version, 'praas-framework': own.version });
    assert.equal(pkg.devDependencies['@praas/embedded'], own.version);
    assert.equal(pkg.scripts['build'], 'praas-framework build');
    assert.equal(pkg.scripts['dev'], 'praas-framework dev');
    assert.equal(pkg.scripts['test'], 'mocha');
    const tsconfig = JSON.parse(readFileSync(join(dir, 'tsconfig.json'), 'utf8')) as {
      compilerOptions: Record<string, unknown>;
    };
    for (const [option, value] of Object.entries({
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      declaration: true,
      module: 'node16',
      moduleResolution: 'node16',
      target: 'ES2022',
      strict: true,
      outDir: 'dist',
      rootDir: 'src',
    })) {
      assert.equal(tsconfig.compilerOptions[option], value, option);
    }
    for (const file of ['src/index.ts', 'test/order-desk.spec.ts', '.gitignore', 'README.md']) {
      assert.ok(existsSync(join(dir, file)), file);
    }
    assert.match(readFileSync(join(dir, 'src/index.ts'), 'utf8'), /@Process\(/);
    assert.ok(result.out.includes('  test/order-desk.spec.ts'));
  });

  it('refuses a directory that is not empty, and changes nothing in it', async () => {
    const dir = join(scratch.root, 'taken');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    const result = await cli('init', dir);
    assert.equal(result.code, 1);
    assert.match(
      result.err[0]!,
      /directory .*taken is not empty; init writes a new project, so give a new or empty directory/,
    );
    assert.equal(existsSync(join(dir, 'package.json')), false);
  });

  it('validates the name with the application naming rule', async () => {
    const invalid = await cli('init', join(scratch.root, 'a'), '--name', 'my.app');
    assert.equal(invalid.code, 1);
    assert.match(invalid.err[0]!, /invalid application "my\.app": 1 to 128 characters/);
    const upper = await cli('init', join(scratch.root, 'b'), '--name', 'MyApp');
    assert.equal(upper.code, 1);
    assert.match(upper.err[0]!, /must be lower case, as npm package names are; try --name myapp/);
    const named = await cli('init', join(scratch.root, 'c'), '--name', 'billing');
    assert.equal(named.code, 0, named.err.join('\n'));
    assert.ok(existsSync(join(scratch.root, 'c', 'test', 'billing.spec.ts')));
  });

  it('treats a missing directory or an unknown option as a usage error (exit 2)', async () => {
    const missing = await cli('init');
    assert.equal(missing.code, 2);
    assert.match(missing.err[0]!, /init needs one directory/);
    assert.match(missing.err[0]!, /usage: praas-framework <command>/);
    const unknown = await cli('init', join(scratch.root, 'd'), '--force');
    assert.equal(unknown.code, 2);
    assert.match(unknown.err[0]!, /Unknown option '--force'/);
  });
});
