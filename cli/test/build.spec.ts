import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApplicationManifest } from '../src/build/application-manifest';
import { projectFiles } from '../src/init/project-template';
import { cli, REPO_ROOT, TempProject } from './temp-project';

const TSC = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/**
 * Type-checks one file of the project against its built declarations (strict, no emit, no ambient
 * types, so only the file and what it imports are checked); returns exit code and diagnostics.
 */
function typeCheck(project: TempProject, file: string): Promise<{ code: number; output: string }> {
  const config = `check/tsconfig.${file.replace(/\W/g, '-')}.json`;
  project.write(
    config,
    JSON.stringify({
      compilerOptions: {
        noEmit: true,
        strict: true,
        target: 'ES2022',
        module: 'commonjs',
        moduleResolution: 'node10',
        lib: ['ES2022'],
        types: [],
        skipLibCheck: true,
      },
      files: [`../${file}`],
    }),
  );
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [TSC, '--pretty', 'false', '-p', config],
      { cwd: project.dir },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

/** A project laid out as init writes it, with `source` as src/index.ts. */
function projectWith(source: string, name = 'shop-floor'): TempProject {
  const project = new TempProject(name).linkModules();
  const files = projectFiles({ name, frameworkVersion: '0.1.0' });
  project.write('package.json', files.get('package.json')!).write('tsconfig.json', files.get('tsconfig.json')!);
  return project.write('src/index.ts', source);
}

/** Builds a project with `source` as src/index.ts, expecting the build to fail (exit code 1). */
async function failingBuild(source: string): Promise<Awaited<ReturnType<typeof cli>>> {
  const project = projectWith(source);
  try {
    const result = await cli('build', '--project', project.dir);
    assert.equal(result.code, 1);
    return result;
  } finally {
    project.remove();
  }
}

const FEATURES = `import { Fn, Process, State, batch, multiSource, type Context, type Part } from '@praas/framework';

export class Model {
  weights: number[] = [];
}

@Process({ name: 'trainer', maxConcurrency: 3, idleTimeoutMs: 5000, checkpointEveryMs: 1000 })
export class Trainer {
  @State() epoch = 0;
  @State(() => Model) model = new Model();

  @Fn({ exclusive: true, timeoutMs: 2000 })
  async step(batchIndex: number, ctx: Context): Promise<{ epoch: number; pid: string }> {
    this.epoch += batchIndex;
    return { epoch: this.epoch, pid: ctx.self };
  }

  @Fn({ name: 'all-reduce', trigger: multiSource({ count: 2 }) })
  reduce(parts: Part<number[]>[]): number[] {
    return parts[0]!.data.map((_, i) => parts.reduce((sum, p) => sum + p.data[i]!, 0));
  }

  @Fn({ trigger: batch({ size: 10, maxWaitMs: 50 }) })
  flush(items: Part<string>[]): number {
    return items.length;
  }
}

/** Not a process class: the build ignores it. */
export function helper(): number {
  return 1;
}
`;

const GOOD_CALLS = `import type { ControlPlaneApi } from '@praas/framework';
import { trainerClient } from '../dist/praas-client';

export async function use(praas: ControlPlaneApi): Promise<number> {
  const trainer = trainerClient(praas, 'shop-floor', 'trainer-1');
  const stepped: { epoch: number; pid: string } = await trainer.step(1, { timeoutMs: 500 });
  const reduced: number[] = await trainer['all-reduce'](7, [1, 2, 3]);
  const flushed: number = await trainer.flush('row', { key: 'k' });
  return stepped.epoch + reduced.length + flushed;
}
`;

// Each wrong call sits on its own line so the diagnostics can be matched to it.
const BAD_CALLS = `import type { ControlPlaneApi } from '@praas/framework';
import { trainerClient } from '../dist/praas-client';

export async function misuse(praas: ControlPlaneApi): Promise<void> {
  const trainer = trainerClient(praas, 'shop-floor', 'trainer-1');
  await trainer.step('one');
  await trainer.reset(null);
  const wrong: string = await trainer.flush('row');
  await trainer['all-reduce']([1, 2, 3]);
  void wrong;
}
`;

describe('praas-framework build', function () {
  this.timeout(60_000);

  describe('a project with every trigger kind', () => {
    let project: TempProject;
    let manifest: ApplicationManifest;
    let progress: string[];

    before(async () => {
      project = projectWith(FEATURES);
      const result = await cli('build', '--project', project.dir);
      assert.equal(result.code, 0, [...result.out, ...result.err].join('\n'));
      assert.ok(result.out.some((l) => /application 'shop-floor' 0\.1\.0: trainer/.test(l)));
      progress = result.err;
      manifest = JSON.parse(readFileSync(project.path('dist', 'praas.manifest.json'), 'utf8')) as ApplicationManifest;
    });
    after(() => project.remove());

    it('prints each step with its time to standard error, and nothing with --quiet', async () => {
      const steps = progress.filter((l) => /^build \[\d\] .*: \d+\.\d\d s$/.test(l));
      assert.deepEqual(
        steps.map((l) => l.replace(/^build \[(\d)\] (\w+).*$/, '$1 $2')),
        ['1 compile', '2 load', '3 write'],
        progress.join('\n'),
      );
      assert.match(progress.at(-1)!, /^build: done in \d+\.\d\d s$/);
      const quiet = await cli('build', '--project', project.dir, '--quiet');
      assert.equal(quiet.code, 0, quiet.err.join('\n'));
      assert.deepEqual(quiet.err, []);
      assert.ok(quiet.out.some((l) => /application 'shop-floor' 0\.1\.0: trainer/.test(l)));
    });

    it('writes the application manifest with functions, triggers and state fields', () => {
      assert.deepEqual(manifest, {
        manifestVersion: 1,
        app: 'shop-floor',
        version: '0.1.0',
        module: 'dist/index.js',
        frameworkVersion: '0.1.0',
        processes: [
          {
            name: 'trainer',
            export: 'Trainer',
            maxConcurrency: 3,
            idleTimeoutMs: 5000,
            checkpointEveryMs: 1000,
            stateVersion: 1,
            migrations: [],
            functions: [
              { name: 'step', method: 'step', trigger: { kind: 'standard' }, exclusive: true, timeoutMs: 2000 },
              {
                name: 'all-reduce',
                method: 'reduce',
                trigger: { kind: 'multiSource', count: 2 },
                exclusive: false,
                timeoutMs: null,
              },
              {
                name: 'flush',
                method: 'flush',
                trigger: { kind: 'batch', size: 10, maxWaitMs: 50 },
                exclusive: false,
                timeoutMs: null,
              },
            ],
            state: [
              { field: 'epoch', type: null },
              { field: 'model', type: 'Model' },
            ],
          },
        ],
      });
    });

    it('writes a Dockerfile that runs a runtime host for the module', () => {
      const dockerfile = readFileSync(project.path('dist', 'Dockerfile'), 'utf8');
      assert.match(dockerfile, /^FROM node:20-slim$/m);
      assert.match(dockerfile, /^RUN npm ci --omit=dev/m);
      assert.match(dockerfile, /^COPY dist \.\/dist$/m);
      assert.match(
        dockerfile,
        /^ENV PRAAS_APP=shop-floor PRAAS_MODULE=\/app\/dist\/index\.js PRAAS_HEALTH_PORT=8081$/m,
      );
      assert.match(dockerfile, /^CMD \["npx", "praas-framework", "host", "--module", "dist\/index\.js"\]$/m);
    });

    it('writes a typed client whose calls reach the functions with pid and key', async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const client = require(project.path('dist', 'praas-client.js')) as {
        trainerClient(praas: unknown, app: string, pid: string): Record<string, (...args: unknown[]) => unknown>;
      };
      const calls: unknown[][] = [];
      const praas = { invoke: async (...args: unknown[]) => calls.push(args) };
      const trainer = client.trainerClient(praas, 'shop-floor', 'trainer-1');
      await trainer['step']!(1, { timeoutMs: 500 });
      await trainer['all-reduce']!(7, [1, 2]);
      await trainer['flush']!('row');
      assert.deepEqual(calls, [
        ['shop-floor', 'step', 1, { timeoutMs: 500, pid: 'trainer-1' }],
        ['shop-floor', 'all-reduce', [1, 2], { pid: 'trainer-1', key: 7 }],
        ['shop-floor', 'flush', 'row', { pid: 'trainer-1' }],
      ]);
    });

    it('types the client from the class: correct calls compile', async () => {
      project.write('check/good.ts', GOOD_CALLS);
      const { code, output } = await typeCheck(project, 'check/good.ts');
      assert.equal(code, 0, output);
    });

    it('types the client from the class: a wrong argument, an unknown function and a wrong result do not compile', async () => {
      project.write('check/bad.ts', BAD_CALLS);
      const { code, output } = await typeCheck(project, 'check/bad.ts');
      assert.notEqual(code, 0);
      const errors = output.split('\n').filter((l) => l.includes('error TS'));
      assert.match(
        errors.find((l) => l.startsWith('check/bad.ts(6,'))!,
        /TS2345: Argument of type 'string' is not assignable to parameter of type 'number'/,
      );
      assert.match(
        errors.find((l) => l.startsWith('check/bad.ts(7,'))!,
        /TS2339: Property 'reset' does not exist on type 'TrainerClient'/,
      );
      assert.match(
        errors.find((l) => l.startsWith('check/bad.ts(8,'))!,
        /TS2322: Type 'number' is not assignable to type 'string'/,
      );
      assert.match(
        errors.find((l) => l.startsWith('check/bad.ts(9,'))!,
        /TS2554: Expected 2-3 arguments, but got 1/,
      );
      assert.equal(errors.length, 4, output);
    });
  });

  it('reports TypeScript errors with file, line and column and exits 1', async () => {
    const result = await failingBuild(`import { Fn, Process } from '@praas/framework';

@Process()
export class Counter {
  @Fn()
  add(amount: number): number {
    const total: string = amount;
    return total;
  }
}
`);
    assert.ok(
      result.err.some((l) =>
        /^src\/index\.ts\(7,11\): error TS2322: Type 'number' is not assignable to type 'string'/.test(l),
      ),
      result.err.join('\n'),
    );
    assert.match(result.err.at(-1)!, /praas-framework build: TypeScript reported 2 errors .*fix them and build again/);
  });

  it('fails a rebuild whose class removed a @State field without a state version bump, unless allowed', async () => {
    const counter = (
      fields: string,
      version = '',
    ) => `import { Fn, Migrate, Process, State, type MigrationState } from '@praas/framework';

@Process(${version})
export class Counter {
${fields}
  @Fn() add(n: number): number {
    return n;
  }
}
`;
    const project = projectWith(counter('  @State() total = 0;'));
    try {
      const first = await cli('build', '--project', project.dir);
      assert.equal(first.code, 0, first.err.join('\n'));
      project.write('src/index.ts', counter('  @State() balance = 0;'));
      const refused = await cli('build', '--project', project.dir);
      assert.equal(refused.code, 1);
      assert.match(
        refused.err.at(-1)!,
        /^praas-framework build: the state of deployed processes would not carry over: 'Counter' removed total but kept state version 1: raise it, @Process\(\{ version: 2 \}\), and add @Migrate\(1\).*--allow-state-change/,
      );
      const allowed = await cli('build', '--project', project.dir, '--allow-state-change', '--quiet');
      assert.equal(allowed.code, 0, allowed.err.join('\n'));
      assert.ok(allowed.err.some((l) => /^warning: 'Counter' removed total .*built anyway/.test(l)));
      // The migration the message asks for: builds, and the manifest records the state version and migrations.
      project.write(
        'src/index.ts',
        counter(
          '  @State() count = 0;\n  @Migrate(1) static up(state: MigrationState): void {\n    state.fields.count = state.fields.balance;\n  }',
          '{ version: 2 }',
        ),
      );
      const migrated = await cli('build', '--project', project.dir, '--quiet');
      assert.equal(migrated.code, 0, migrated.err.join('\n'));
      const built = JSON.parse(
        readFileSync(project.path('dist', 'praas.manifest.json'), 'utf8'),
      ) as ApplicationManifest;
      assert.deepEqual([built.processes[0]?.stateVersion, built.processes[0]?.migrations], [2, [1]]);
    } finally {
      project.remove();
    }
  });

  it('reports a decorator misused when the module loads, with the DecoratorUsageError text', async () => {
    const result = await failingBuild(`import { Fn, Process } from '@praas/framework';

@Process()
export class Counter {
  @Fn()
  static reset(): void {}
}
`);
    assert.match(
      result.err.at(-1)!,
      /cannot load dist\/index\.js: DecoratorUsageError: @Fn on Counter\.reset: static members cannot be functions; use an instance method/,
    );
  });

  it('reports a decorator misuse found when the definition is built, with the DecoratorUsageError text', async () => {
    const result = await failingBuild(`import { Fn, Process } from '@praas/framework';

@Process()
export class Counter {
  @Fn({ name: 'go' }) start(): void {}
  @Fn({ name: 'go' }) begin(): void {}
}
`);
    assert.match(
      result.err.at(-1)!,
      /DecoratorUsageError: @Fn on Counter\.begin: function name 'go' is already used by start/,
    );
  });

  it('says what is missing: a project without package.json, a module without @Process classes, unknown options', async () => {
    const empty = new TempProject().linkModules();
    const plain = projectWith('export const answer = 42;\n');
    try {
      const noPackage = await cli('build', '--project', empty.dir);
      assert.equal(noPackage.code, 1);
      assert.match(noPackage.err[0]!, /no package\.json in .*; run praas-framework init/);
      const noProcess = await cli('build', '--project', plain.dir);
      assert.equal(noProcess.code, 1);
      assert.match(noProcess.err.at(-1)!, /exports no @Process class/);
      const unknown = await cli('build', '--frobnicate');
      assert.equal(unknown.code, 2);
      assert.match(unknown.err[0]!, /Unknown option '--frobnicate'.*build accepts --project VALUE, --module VALUE/);
    } finally {
      empty.remove();
      plain.remove();
    }
  });
});
