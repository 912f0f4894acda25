import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { BuildFailedError } from '@praas/framework/internal';

/** The parts of the TypeScript compiler API the build reads a tsconfig with. */
interface TypeScriptApi {
  readonly version: string;
  readonly sys: { readFile(path: string): string | undefined };
  readConfigFile(path: string, readFile: (path: string) => string | undefined): { config?: unknown; error?: unknown };
  parseJsonConfigFileContent(
    json: unknown,
    host: unknown,
    basePath: string,
  ): { options: { outDir?: string; declaration?: boolean }; errors: readonly unknown[] };
  formatDiagnostics(
    diagnostics: readonly unknown[],
    host: { getCurrentDirectory(): string; getCanonicalFileName(f: string): string; getNewLine(): string },
  ): string;
}

/** Compiler options the build depends on. */
export interface ProjectCompilerOptions {
  /** Absolute output directory, when the tsconfig sets one. */
  readonly outDir?: string;
  readonly declaration: boolean;
}

/** The TypeScript compiler a project is built with. */
export interface TypeScriptCompiler {
  readonly version: string;
  /** Path of the compiler's `bin/tsc`. */
  readonly tscPath: string;
  readCompilerOptions(tsconfig: string): ProjectCompilerOptions;
}

/**
 * Finds the `typescript` package: the project's own first (so it builds with the compiler it pins),
 * then the one next to the framework.
 */
export function resolveTypeScript(projectDir: string): TypeScriptCompiler {
  let packageJson: string;
  try {
    packageJson = require.resolve('typescript/package.json', { paths: [projectDir, __dirname] });
  } catch {
    throw new BuildFailedError(
      `cannot find the TypeScript compiler from ${projectDir}; install it in the project (npm i -D typescript@~5.9)`,
    );
  }
  const root = dirname(packageJson);
  // Resolved at run time from the user's project, so it is loaded with require.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require(root) as TypeScriptApi;
  const host = {
    getCurrentDirectory: () => projectDir,
    getCanonicalFileName: (f: string) => f,
    getNewLine: () => '\n',
  };
  return {
    version: ts.version,
    tscPath: join(root, 'bin', 'tsc'),
    readCompilerOptions(tsconfig) {
      const read = ts.readConfigFile(tsconfig, ts.sys.readFile);
      if (read.error !== undefined) throw new BuildFailedError(ts.formatDiagnostics([read.error], host).trim());
      const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(tsconfig));
      if (parsed.errors.length > 0) throw new BuildFailedError(ts.formatDiagnostics(parsed.errors, host).trim());
      return {
        ...(parsed.options.outDir === undefined ? {} : { outDir: parsed.options.outDir }),
        declaration: parsed.options.declaration === true,
      };
    },
  };
}

/** What a run of `tsc` printed and how it ended. */
export interface TscResult {
  readonly exitCode: number;
  /** The compiler's diagnostics, one per line, as `file(line,col): error TSnnnn: message`. */
  readonly output: string;
}

/** Runs the compiler's `bin/tsc` with `args` in `cwd`, in a child process (the user's compiler, not ours). */
export function runTsc(compiler: TypeScriptCompiler, args: readonly string[], cwd: string): Promise<TscResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [compiler.tscPath, '--pretty', 'false', ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    child.once('error', reject);
    child.once('close', (code, signal) =>
      resolve({ exitCode: code ?? (signal ? 128 : 1), output: Buffer.concat(chunks).toString('utf8') }),
    );
  });
}

/** A `tsc --watch` child process: it recompiles on every change under the project's sources. */
export interface TscWatch {
  /** Resolves after the first compilation finished (with or without errors). */
  readonly firstBuild: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts `tsc -p <tsconfig> --watch` with the project's compiler; its report lines go to `out`. A
 * compilation with errors keeps the last good output in place, so the running stack keeps serving.
 */
export function watchTsc(
  compiler: TypeScriptCompiler,
  tsconfig: string,
  cwd: string,
  out: (line: string) => void,
): TscWatch {
  const child = spawn(
    process.execPath,
    [compiler.tscPath, '-p', tsconfig, '--watch', '--preserveWatchOutput', '--pretty', 'false'],
    {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let firstDone: () => void = () => undefined;
  const firstBuild = new Promise<void>((resolve) => (firstDone = resolve));
  void exited.then(() => firstDone());
  let buffered = '';
  const onData = (chunk: Buffer): void => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const raw of lines) {
      const line = raw.trim();
      if (line === '') continue;
      out(`tsc: ${line}`);
      // tsc --watch ends each compilation with "Found N errors. Watching for file changes."
      if (/Watching for file changes/.test(line)) firstDone();
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  child.once('error', (e) => out(`tsc: could not start the compiler: ${e.message}`));
  return {
    firstBuild,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
