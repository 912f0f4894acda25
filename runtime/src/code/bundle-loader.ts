import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, sep } from 'node:path';
import {
  bundleKey,
  InvalidArgumentError,
  newId,
  unpackBundle,
  validateName,
  type Constructor,
} from '@praas/framework/internal';
import type { CodeSource, CodeVersion } from './code-source';
import { loadProcessClasses } from './process-classes';
import type { SwapStore } from '../storage/swap-store';

export interface BundleLoaderOptions {
  readonly app: string;
  /** The object store the gateway put the bundles in (the host's swap store). */
  readonly store: SwapStore;
  /** Where bundles are unpacked, one directory per application incarnation, version and content. */
  readonly cacheDir: string;
  /**
   * The `node_modules` directory the unpacked code resolves its packages from (default: the one
   * this host loads `@praas/framework` from), so that user code and host share one framework and
   * one reflect-metadata, and decorator metadata written by the one is read by the other.
   */
  readonly nodeModules?: string;
}

/** Marker written last into an unpacked directory: its presence means the directory is whole. */
const COMPLETE_MARKER = '.praas-unpacked';

/**
 * The `node_modules` directory from which this host resolves `@praas/framework`: the first of
 * Node's lookup paths (from this file upwards) that holds it.
 * @throws InvalidArgumentError when there is none.
 */
export function hostNodeModules(): string {
  for (const dir of require.resolve.paths('@praas/framework') ?? []) {
    if (existsSync(join(dir, '@praas', 'framework', 'package.json'))) return dir;
  }
  throw new InvalidArgumentError('cannot find the node_modules directory that holds @praas/framework');
}

/** Links every package of `hostModules` that `bundleModules` lacks (scoped ones one by one). */
function linkMissing(hostModules: string, bundleModules: string): void {
  for (const entry of readdirSync(hostModules, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const source = join(hostModules, entry.name);
    const target = join(bundleModules, entry.name);
    if (entry.name.startsWith('@') && existsSync(target)) {
      for (const scoped of readdirSync(source)) {
        if (!existsSync(join(target, scoped))) symlinkSync(join(source, scoped), join(target, scoped), 'dir');
      }
    } else if (!existsSync(target)) symlinkSync(source, target, 'dir');
  }
}

/**
 * Refuses code whose package.json dependencies are neither in its bundle nor on the host, naming
 * them, so that a host never loads code that would fail on its first `require` of one.
 */
function assertDependenciesPresent(dir: string, what: string): void {
  const pkgPath = join(dir, 'package.json');
  if (!existsSync(pkgPath)) return;
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { dependencies?: Record<string, string> };
  const missing = Object.keys(pkg.dependencies ?? {}).filter(
    (name) => !existsSync(join(dir, 'node_modules', name, 'package.json')),
  );
  if (missing.length > 0) {
    throw new InvalidArgumentError(
      `${what} depends on packages that are neither in its bundle nor on this host: ${missing.join(', ')}; deploy it with praas-framework deploy --gateway, which packs the production dependencies`,
      { missing },
    );
  }
}

/**
 * Gets deployed code onto a runtime host (DESIGN §7): reads the bundle of a version from the
 * object store (`_bundles/<app>/<incarnation>/<version>`), unpacks it into
 * `<cacheDir>/<app>/<incarnation>/<version>-<hash>` (reused when present and whole), links the
 * host's `node_modules` into it, and loads the manifest's entry module. Bundles carry no
 * `node_modules` of their own. `retain` removes the directories of other incarnations, so nothing
 * of a deleted application stays behind or is taken for a later one of the same name.
 */
export class BundleLoader implements CodeSource {
  private readonly app: string;
  private nodeModules: string | undefined;

  constructor(private readonly options: BundleLoaderOptions) {
    this.app = validateName('application', options.app);
    this.nodeModules = options.nodeModules;
  }

  async load({ incarnation, version }: CodeVersion): Promise<readonly Constructor[]> {
    const key = bundleKey(this.app, incarnation, version);
    const bytes = await this.options.store.get(key);
    if (bytes === undefined) {
      throw new InvalidArgumentError(
        `code version ${version} of '${this.app}' is not in ${this.options.store.describe()} (${key}); the gateway and the hosts must use the same bucket`,
        { key },
      );
    }
    const { manifest, files } = unpackBundle(bytes);
    const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
    const dir = join(this.options.cacheDir, this.app, incarnation, `${version}-${hash}`);
    if (!existsSync(join(dir, COMPLETE_MARKER))) this.unpack(dir, files);
    assertDependenciesPresent(dir, `code version ${version} of '${this.app}'`);
    return loadProcessClasses(join(dir, manifest.module), manifest.module);
  }

  /**
   * Forgets the modules loaded from the unpacked directories of one version (its files stay, for a
   * later load), so they can be collected once no process holds its classes.
   */
  unload({ incarnation, version }: CodeVersion): Promise<void> {
    const prefix = join(this.options.cacheDir, this.app, incarnation, `${version}-`);
    for (const loaded of Object.keys(require.cache)) if (loaded.startsWith(prefix)) delete require.cache[loaded];
    return Promise.resolve();
  }

  /**
   * Removes the unpacked code of every incarnation of the application but `keep` (all when
   * undefined), and forgets the modules loaded from there, so they can be collected.
   */
  retain(keep: string | undefined): Promise<void> {
    const root = join(this.options.cacheDir, this.app);
    if (!existsSync(root)) return Promise.resolve();
    for (const entry of readdirSync(root)) {
      if (entry === keep) continue;
      const dir = join(root, entry);
      for (const loaded of Object.keys(require.cache)) if (loaded.startsWith(dir + sep)) delete require.cache[loaded];
      rmSync(dir, { recursive: true, force: true });
    }
    return Promise.resolve();
  }

  /** Unpacks into a fresh directory beside `dir`, then renames it into place, so a half-written directory is never loaded. */
  private unpack(dir: string, files: ReadonlyMap<string, Uint8Array>): void {
    const staging = `${dir}.tmp-${newId().slice(0, 8)}`;
    try {
      for (const [path, data] of files) {
        const target = join(staging, path);
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, data);
      }
      mkdirSync(staging, { recursive: true });
      this.nodeModules ??= hostNodeModules();
      // A bundle that ships its dependencies gets the host's packages beside them; one without, the host's whole node_modules.
      if (existsSync(join(staging, 'node_modules'))) linkMissing(this.nodeModules, join(staging, 'node_modules'));
      else symlinkSync(this.nodeModules, join(staging, 'node_modules'), 'dir');
      writeFileSync(join(staging, COMPLETE_MARKER), '');
      rmSync(dir, { recursive: true, force: true });
      renameSync(staging, dir);
    } catch (e) {
      rmSync(staging, { recursive: true, force: true });
      // Another host process sharing the cache directory may have put it in place first.
      if (!existsSync(join(dir, COMPLETE_MARKER))) throw e;
    }
  }
}
