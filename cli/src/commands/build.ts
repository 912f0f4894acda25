import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { BuildFailedError, PraasError, processDefinitionOf, validateName } from '@praas/framework/internal';
import {
  applicationManifest,
  appNameFromPackage,
  type ApplicationManifest,
  type ExportedProcess,
} from '../build/application-manifest';
import { stateChangeProblems } from '../build/state-change-check';
import { dockerfile } from '../build/dockerfile';
import { typedClient } from '../build/typed-client';
import { resolveTypeScript, runTsc } from '../build/typescript-compiler';
import { frameworkVersion } from '../framework-package';
import { forgetModules, loadProcessModule } from '../load-module';
import { Progress } from '../output/progress';

export interface BuildOptions {
  /** Project directory (default: the working directory). */
  project?: string;
  /** Compiled entry module, relative to the project (default: package.json "main"). */
  module?: string;
  /** Print no progress (steps and their timings) to standard error. */
  quiet?: boolean;
  /**
   * Build even when a class's state changed against the previous build without a state version
   * bump (`--allow-state-change`): the problems are printed as warnings instead.
   */
  allowStateChange?: boolean;
}

/** What a build wrote. */
export interface BuildResult {
  readonly app: string;
  readonly outDir: string;
  readonly files: readonly string[];
}

function posix(path: string): string {
  return path.split(sep).join('/');
}

function readPackageJson(projectDir: string): { name?: string; version?: string; main?: string } {
  const path = join(projectDir, 'package.json');
  if (!existsSync(path)) {
    throw new BuildFailedError(`no package.json in ${projectDir}; run praas-framework init, or build from the project`);
  }
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { name?: string; version?: string; main?: string };
  } catch (cause) {
    throw new BuildFailedError(`${path} is not valid JSON: ${String(cause)}`, { cause });
  }
}

/**
 * `praas-framework build`: compiles the project with its TypeScript compiler, loads the compiled
 * entry, and writes into the output directory the application manifest (`praas.manifest.json`),
 * a typed client (`praas-client.js`, `praas-client.d.ts`) and a container build file (`Dockerfile`).
 * @throws BuildFailedError with the compiler's diagnostics, or with the DecoratorUsageError of a misused decorator.
 */
export async function build(
  options: BuildOptions,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<BuildResult> {
  const projectDir = resolve(options.project ?? '.');
  const pkg = readPackageJson(projectDir);
  const tsconfig = join(projectDir, 'tsconfig.json');
  if (!existsSync(tsconfig))
    throw new BuildFailedError(`no tsconfig.json in ${projectDir}; the build compiles with it`);

  const progress = new Progress('build', options.quiet === true ? undefined : err);
  const compiler = resolveTypeScript(projectDir);
  const compilerOptions = compiler.readCompilerOptions(tsconfig);
  const compiled = await progress.step(`compile with TypeScript ${compiler.version}`, () =>
    runTsc(compiler, ['-p', tsconfig], projectDir),
  );
  if (compiled.exitCode !== 0) {
    const diagnostics = compiled.output.trim().split('\n');
    diagnostics.forEach((line) => err(line));
    const errors = diagnostics.filter((l) => /error TS\d+/.test(l)).length;
    throw new BuildFailedError(
      `TypeScript reported ${errors || 'some'} error${errors === 1 ? '' : 's'} (listed above with file(line,col)); fix them and build again`,
    );
  }
  out(`compiled ${posix(relative(process.cwd(), tsconfig)) || 'tsconfig.json'} with TypeScript ${compiler.version}`);

  const outDir = compilerOptions.outDir ?? join(projectDir, 'dist');
  const entry = options.module ?? pkg.main ?? posix(join(relative(projectDir, outDir), 'index.js'));
  const entryPath = resolve(projectDir, entry);
  const loaded = await progress.step(`load ${entry}`, () => {
    // What an earlier build in this process loaded is stale: the compiler just wrote the output anew.
    forgetModules(outDir);
    try {
      return loadProcessModule(entryPath);
    } catch (cause) {
      // A misused decorator throws when the module loads or when its definition is built; keep its text.
      const problem = cause instanceof PraasError ? `${cause.name}: ${cause.message}` : String(cause);
      throw new BuildFailedError(`cannot load ${entry}: ${problem}`, { cause });
    }
  });

  // A class exported under several names is listed once, under the first.
  const processes: ExportedProcess[] = [];
  const listed = new Set<unknown>();
  for (const [exportName, value] of Object.entries(loaded.exports)) {
    const ctor = loaded.processes.find((p) => p === value);
    if (ctor === undefined || listed.has(ctor)) continue;
    listed.add(ctor);
    processes.push({ exportName, definition: processDefinitionOf(ctor) });
  }

  // The application is named after the package, made valid (`@acme/my.app` -> `my-app`).
  const app = validateName('application', appNameFromPackage(pkg.name ?? basename(projectDir)));
  const moduleRelative = posix(relative(projectDir, loaded.path));
  const manifest = applicationManifest({
    app,
    version: pkg.version ?? '0.0.0',
    module: moduleRelative,
    frameworkVersion: frameworkVersion(),
    processes,
  });

  const previous = readPreviousManifest(join(outDir, 'praas.manifest.json'), err);
  const problems = previous ? stateChangeProblems(previous, manifest) : [];
  if (problems.length > 0 && options.allowStateChange !== true)
    throw new BuildFailedError(
      `the state of deployed processes would not carry over: ${problems.join('; ')} ` +
        '(or build with --allow-state-change if their state may be lost)',
    );
  for (const problem of problems) err(`warning: ${problem} (built anyway: --allow-state-change)`);

  const entryDeclarations = loaded.path.replace(/\.js$/, '.d.ts');
  if (!existsSync(entryDeclarations)) {
    throw new BuildFailedError(
      `${posix(relative(projectDir, entryDeclarations))} is missing; the typed client needs declarations: set "declaration": true in tsconfig.json`,
    );
  }
  let entryImport = posix(relative(outDir, entryDeclarations.replace(/\.d\.ts$/, '')));
  if (!entryImport.startsWith('.')) entryImport = `./${entryImport}`;
  const client = typedClient({ processes, entryImport, entryModule: moduleRelative });

  const files = new Map<string, string>([
    ['praas.manifest.json', `${JSON.stringify(manifest, null, 2)}\n`],
    ['praas-client.js', client.js],
    ['praas-client.d.ts', client.dts],
    [
      'Dockerfile',
      dockerfile({
        module: moduleRelative,
        outDir: posix(relative(projectDir, outDir)),
        app,
        version: manifest.version,
      }),
    ],
  ]);
  await progress.step('write manifest, typed client and Dockerfile', () => {
    mkdirSync(outDir, { recursive: true });
    for (const [name, content] of files) {
      const path = join(outDir, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
    }
  });
  out(`application '${app}' ${manifest.version}: ${processes.map((p) => p.definition.name).join(', ')}`);
  for (const name of files.keys()) out(`  wrote ${posix(relative(process.cwd(), join(outDir, name)))}`);
  if (!existsSync(join(projectDir, 'package-lock.json'))) {
    out('  note: the Dockerfile runs npm ci, which needs package-lock.json; run npm install once to create it');
  }
  progress.done();
  return { app, outDir, files: [...files.keys()] };
}

/**
 * The manifest the previous build wrote, to compare the state of its classes with; undefined for
 * the first build. One that cannot be read (a hand-edited file) is said so in a warning, and the
 * check is skipped.
 */
function readPreviousManifest(path: string, err: (line: string) => void): ApplicationManifest | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as Partial<ApplicationManifest>;
    if (Array.isArray(manifest.processes)) return manifest as ApplicationManifest;
    err(`warning: ${path} lists no processes; the state of this build is not compared with it`);
  } catch (e) {
    err(`warning: cannot read ${path} (${String(e)}); the state of this build is not compared with it`);
  }
  return undefined;
}
