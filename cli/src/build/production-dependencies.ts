import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { InvalidArgumentError } from '@praas/framework/internal';

/**
 * Packages a runtime host brings itself and links into deployed code: the application must share
 * the host's copies (one framework, one reflect-metadata, one class-transformer and codec), so
 * they are never packed.
 */
export const HOST_PROVIDED_PACKAGES: ReadonlySet<string> = new Set([
  '@praas/framework',
  '@praas/runtime',
  '@praas/gateway',
  '@praas/embedded',
  'praas-framework',
  'reflect-metadata',
  'class-transformer',
  'msgpackr',
]);

interface PackageJson {
  name?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function readPackageJson(path: string): PackageJson {
  return JSON.parse(readFileSync(path, 'utf8')) as PackageJson;
}

/** Where Node would find `name` when required from a package at `fromDir`, up to the project's node_modules. */
function locate(name: string, fromDir: string, projectDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === projectDir || dirname(dir) === dir) return undefined;
  }
}

/** Regular files of a package, without its nested node_modules (those are packages of their own). */
function packageFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') found.push(...packageFiles(path));
    } else if (entry.isFile()) found.push(path);
  }
  return found;
}

/** The production dependencies of a project as a deployment ships them. */
export interface ProductionDependencies {
  /** Bundle path (`node_modules/...`, relative to the project) to the file's bytes. */
  readonly files: Map<string, Uint8Array>;
  /** `name@version` of every package shipped. */
  readonly packages: readonly string[];
}

/**
 * Collects the project's production dependencies (package.json "dependencies", and theirs,
 * transitively, as installed in node_modules) except those the runtime hosts provide.
 * @throws InvalidArgumentError naming every dependency that is not installed, before anything is uploaded.
 */
export function productionDependencies(projectDir: string): ProductionDependencies {
  const files = new Map<string, Uint8Array>();
  const packages: string[] = [];
  const missing: string[] = [];
  const seen = new Set<string>();
  const queue: { name: string; from: string; requiredBy: string; optional: boolean }[] = [];
  const enqueue = (pkg: PackageJson, from: string, requiredBy: string): void => {
    for (const name of Object.keys(pkg.dependencies ?? {}))
      if (!HOST_PROVIDED_PACKAGES.has(name)) queue.push({ name, from, requiredBy, optional: false });
    for (const name of Object.keys(pkg.optionalDependencies ?? {}))
      if (!HOST_PROVIDED_PACKAGES.has(name)) queue.push({ name, from, requiredBy, optional: true });
  };
  enqueue(readPackageJson(join(projectDir, 'package.json')), projectDir, 'package.json');
  for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
    const dir = locate(item.name, item.from, projectDir);
    if (dir === undefined) {
      if (!item.optional) missing.push(`${item.name} (required by ${item.requiredBy})`);
      continue;
    }
    if (seen.has(dir)) continue;
    seen.add(dir);
    const pkg = readPackageJson(join(dir, 'package.json'));
    packages.push(`${item.name}@${String((pkg as { version?: string }).version)}`);
    for (const file of packageFiles(dir))
      files.set(relative(projectDir, file).split(sep).join('/'), readFileSync(file));
    enqueue(pkg, dir, item.name);
  }
  if (missing.length > 0) {
    throw new InvalidArgumentError(
      `cannot deploy: production dependencies are not installed in ${join(projectDir, 'node_modules')}: ${missing.join(', ')}; run npm install (or npm ci) in the project and deploy again`,
      { missing },
    );
  }
  return { files, packages: packages.sort() };
}
