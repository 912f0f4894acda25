/** Versions the generated project's development tools are pinned to (those the framework is built with). */
const TOOL_VERSIONS = {
  typescript: '~5.9.3',
  mocha: '^11.8.0',
  '@types/mocha': '^10.0.10',
  '@types/node': '^20.19.43',
} as const;

export interface ProjectTemplateOptions {
  /** Package and application name; satisfies the naming rule and npm's (lower case). */
  readonly name: string;
  /** Version of @praas/framework, @praas/embedded and praas-framework to depend on (released in step). */
  readonly frameworkVersion: string;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** The files of a new project, by path relative to its directory. */
export function projectFiles({ name, frameworkVersion }: ProjectTemplateOptions): Map<string, string> {
  const files = new Map<string, string>();
  files.set(
    'package.json',
    json({
      name,
      version: '0.1.0',
      private: true,
      description: 'Cloud processes on praas-framework',
      main: 'dist/index.js',
      types: 'dist/index.d.ts',
      scripts: {
        build: 'praas-framework build',
        dev: 'praas-framework dev',
        pretest: 'praas-framework build && tsc -p test',
        test: 'mocha',
      },
      // The CLI is a production dependency: the generated Dockerfile's runtime host is `praas-framework host`.
      dependencies: {
        '@praas/framework': frameworkVersion,
        'praas-framework': frameworkVersion,
      },
      devDependencies: { '@praas/embedded': frameworkVersion, ...TOOL_VERSIONS },
    }),
  );
  files.set(
    'tsconfig.json',
    json({
      compilerOptions: {
        target: 'ES2022',
        module: 'node16',
        moduleResolution: 'node16',
        lib: ['ES2022'],
        types: ['node'],
        strict: true,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        declaration: true,
        sourceMap: true,
        esModuleInterop: true,
        skipLibCheck: true,
        rootDir: 'src',
        outDir: 'dist',
      },
      include: ['src'],
    }),
  );
  // The tests import the built module (dist/), the same code a runtime host loads.
  files.set(
    'test/tsconfig.json',
    json({
      extends: '../tsconfig.json',
      compilerOptions: { rootDir: '.', outDir: '../dist-test', declaration: false, types: ['node', 'mocha'] },
      include: ['.'],
    }),
  );
  files.set('.mocharc.json', json({ spec: 'dist-test/**/*.spec.js', timeout: 20000 }));
  files.set('.gitignore', 'node_modules/\ndist/\ndist-test/\n');
  files.set('.dockerignore', 'node_modules/\ndist-test/\n.git/\n');
  files.set('src/index.ts', INDEX_TS);
  files.set(`test/${name}.spec.ts`, specTs(name));
  files.set('README.md', readme(name));
  return files;
}

const INDEX_TS = `import { Fn, Process, State, type Context } from '@praas/framework';

/** What \`read\` returns. */
export interface CounterView {
  total: number;
  additions: number;
}

/**
 * A cloud process that keeps a running total. Its \`@State\` field and its keyed state survive
 * swap-out and swap-in, so the count is never lost when the process is evicted.
 */
@Process({ maxConcurrency: 4 })
export class Counter {
  @State() total = 0;

  /** Adds \`amount\` and returns the new total. */
  @Fn()
  add(amount: number, ctx: Context): number {
    if (typeof amount !== 'number' || !Number.isFinite(amount)) {
      throw new TypeError(\`add expects a number, got \${JSON.stringify(amount)}\`);
    }
    this.total += amount;
    ctx.state.set('additions', (ctx.state.get<number>('additions') ?? 0) + 1);
    return this.total;
  }

  /** The total and how many additions made it. */
  @Fn()
  read(_: null, ctx: Context): CounterView {
    return { total: this.total, additions: ctx.state.get<number>('additions') ?? 0 };
  }
}
`;

function specTs(name: string): string {
  return `import assert from 'node:assert/strict';
import { createEmbedded } from '@praas/embedded';
import { Counter } from '../dist/index';
import { counterClient } from '../dist/praas-client';

describe('${name}', () => {
  it('counts, and keeps the count across a swap out and back in', async () => {
    const praas = await createEmbedded({ processes: [Counter] });
    try {
      await praas.createApp('${name}');
      const { pid } = await praas.createProcess('${name}', { processClass: 'Counter' });
      const counter = counterClient(praas, '${name}', pid);
      assert.equal(await counter.add(2), 2);
      assert.equal(await counter.add(3), 5);
      const swapped = await praas.swapProcess('${name}', pid);
      assert.equal(swapped.status, 'swapped');
      assert.deepEqual(await counter.read(null), { total: 5, additions: 2 });
    } finally {
      await praas.close();
    }
  });
});
`;
}

function readme(name: string): string {
  return `# ${name}

Cloud processes on [praas-framework](https://www.npmjs.com/package/@praas/framework).

\`\`\`sh
npm install
npm run build   # compile; writes dist/praas.manifest.json, dist/praas-client.{js,d.ts} and dist/Dockerfile
npm test        # the scenario in test/ on the embedded stack (no services needed)
npm run dev     # serve them on the embedded stack (REST :8080, gRPC :50051), recompiling on change, until Ctrl+C
\`\`\`

\`src/index.ts\` exports the \`@Process\` classes. \`dist/praas-client\` has a typed client per class,
e.g. \`counterClient(praas, app, pid).add(2)\`, checked against the class's functions.
Build a container image with \`docker build -f dist/Dockerfile .\` (it needs \`package-lock.json\`).
`;
}
