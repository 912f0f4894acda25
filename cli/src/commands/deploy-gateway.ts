import { readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import {
  type AppInfo,
  type DeployOptions,
  InvalidArgumentError,
  packBundle,
  UPGRADE_POLICIES,
  type UpgradePolicy,
} from '@praas/framework/internal';
import { positiveIntegerOption } from '../args';
import { UsageError } from '../usage-error';
import type { ApplicationManifest } from '../build/application-manifest';
import { HOST_PROVIDED_PACKAGES, productionDependencies } from '../build/production-dependencies';
import { Progress } from '../output/progress';
import { buildOutputDir, readBuiltManifest } from './deploy';

/** What deploying needs of a gateway; `PraasClient` in the CLI. */
export interface DeployClient {
  deployVersion(app: string, bundle: Uint8Array, options?: DeployOptions): Promise<AppInfo>;
}

/**
 * `--upgrade` and `--wave` of `deploy --gateway`, checked.
 * @throws UsageError for a policy that is not none, idle or rolling, or a wave without rolling.
 */
export function deployUpgradeOptions(strings: ReadonlyMap<string, string>): DeployOptions {
  const upgrade = strings.get('upgrade');
  const wave = strings.get('wave');
  if (upgrade !== undefined && !(UPGRADE_POLICIES as readonly string[]).includes(upgrade))
    throw new UsageError(`--upgrade must be one of ${UPGRADE_POLICIES.join(', ')}, got '${upgrade}'`);
  if (wave !== undefined && upgrade !== 'rolling')
    throw new UsageError('--wave sets the size of the waves of --upgrade rolling: add --upgrade rolling');
  return {
    ...(upgrade === undefined ? {} : { upgrade: upgrade as UpgradePolicy }),
    ...(wave === undefined ? {} : { wave: positiveIntegerOption('wave', wave, 16) }),
  };
}

export interface DeployToGatewayOptions {
  /** Project directory (default: the working directory). */
  readonly project?: string;
  /** The gateway's URL, for messages. */
  readonly gatewayUrl: string;
  /** How existing processes move to the new version (default: the gateway's, `idle`). */
  readonly upgrade?: UpgradePolicy;
  /** `rolling`: processes moved at once, at most. */
  readonly wave?: number;
  /** Where progress (steps and their timings) goes: standard error in the CLI; none with `--quiet`. */
  readonly progress?: (line: string) => void;
}

/** A packed project: the manifest, the bundle bytes and how many files went in. */
export interface PackedProject {
  readonly manifest: ApplicationManifest;
  readonly bundle: Uint8Array;
  readonly fileCount: number;
  readonly unpackedBytes: number;
  /** `name@version` of the production dependencies packed with the code. */
  readonly dependencies: readonly string[];
}

function posix(path: string): string {
  return path.split(sep).join('/');
}

/** Regular files under `dir`, recursively, skipping `node_modules` (the hosts bring their own). */
function filesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') found.push(...filesUnder(path));
    } else if (entry.isFile()) found.push(path);
  }
  return found;
}

/**
 * Packs what `praas-framework build` wrote (the output directory with `praas.manifest.json`, and
 * `package.json`) into a code bundle, with paths relative to the project so the manifest's
 * `module` names the entry inside it. The production dependencies go in too, under
 * `node_modules/`, except the packages runtime hosts provide (`@praas/framework` and its kin), which
 * resolve to the host's own copy.
 * @throws InvalidArgumentError when the project has not been built, or a production dependency is not installed.
 */
export function packProject(projectDir: string): PackedProject {
  const manifest = readBuiltManifest(projectDir);
  if (manifest === undefined) {
    throw new InvalidArgumentError(
      `${projectDir} has no praas.manifest.json in its build output; run praas-framework build --project ${projectDir} first`,
    );
  }
  const outDir = buildOutputDir(projectDir);
  const outRelative = relative(projectDir, outDir);
  if (outRelative === '' || outRelative.startsWith('..') || isAbsolute(outRelative)) {
    throw new InvalidArgumentError(`the build output ${outDir} must be a directory inside the project ${projectDir}`);
  }
  const files = new Map<string, Uint8Array>([['package.json', readFileSync(join(projectDir, 'package.json'))]]);
  for (const path of filesUnder(outDir)) files.set(posix(relative(projectDir, path)), readFileSync(path));
  const dependencies = productionDependencies(projectDir);
  for (const [path, data] of dependencies.files) files.set(path, data);
  let unpackedBytes = 0;
  for (const data of files.values()) unpackedBytes += data.byteLength;
  return {
    manifest,
    bundle: packBundle({ manifest, files }),
    fileCount: files.size,
    unpackedBytes,
    dependencies: dependencies.packages,
  };
}

/**
 * `praas-framework deploy --gateway URL`: packs the built project, uploads it as the
 * application's next version, and prints progress. Runtime hosts started for the application
 * without a module load the new version within a heartbeat; new processes run it.
 * @returns the application as the gateway recorded it.
 */
export async function deployToGateway(
  options: DeployToGatewayOptions,
  client: DeployClient,
  out: (line: string) => void,
): Promise<AppInfo> {
  const projectDir = resolve(options.project ?? '.');
  const progress = new Progress('deploy', options.progress);
  out(`packing ${posix(relative(process.cwd(), projectDir)) || '.'}`);
  const packed = await progress.step('pack the build output and production dependencies', () =>
    packProject(projectDir),
  );
  const { manifest } = packed;
  out(
    packed.dependencies.length === 0
      ? `  no production dependencies to ship (runtime hosts provide ${[...HOST_PROVIDED_PACKAGES].join(', ')})`
      : `  production dependencies: ${packed.dependencies.join(', ')}`,
  );
  out(`  ${packed.fileCount} files, ${packed.unpackedBytes} bytes; bundle ${packed.bundle.byteLength} bytes (gzip)`);
  out(`uploading ${packed.bundle.byteLength} bytes to ${options.gatewayUrl}`);
  const app = await progress.step(`upload to ${options.gatewayUrl}`, () =>
    client.deployVersion(manifest.app, packed.bundle, {
      ...(options.upgrade === undefined ? {} : { upgrade: options.upgrade }),
      ...(options.wave === undefined ? {} : { wave: options.wave }),
    }),
  );
  progress.done();
  out(
    `registered application '${app.name}' version ${app.version ?? '?'} (package ${manifest.version}): ${app.processClasses.join(', ')}`,
  );
  out(`runtime hosts started with --app ${app.name} and no --module load it; new processes run it`);
  upgradeLines(app).forEach((line) => out(line));
  return app;
}

/** What a deploy's answer says of the existing processes, as lines. */
export function upgradeLines(app: AppInfo): string[] {
  const upgrade = app.upgrade;
  if (!upgrade) return [];
  switch (upgrade.policy) {
    case 'none':
      return ['existing processes keep their code version (--upgrade none)'];
    case 'idle':
      return [`existing processes move to version ${app.version ?? '?'} the next time they swap in (--upgrade idle)`];
    case 'rolling':
      return [
        `rolling upgrade: ${upgrade.moved} active process(es) moved to version ${app.version ?? '?'}, ` +
          `${upgrade.failed.length} failed, ${upgrade.skipped} no longer active (they move at their next swap-in); ` +
          'swapped-out processes move at their next swap-in',
        ...upgrade.failed.map((f) => `  ${f.pid} stays on its version: ${f.code}: ${f.message}`),
      ];
  }
}
