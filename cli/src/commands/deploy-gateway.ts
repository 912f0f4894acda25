import { readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { type AppInfo, InvalidArgumentError, packBundle } from '@praas/framework/internal';
import type { ApplicationManifest } from '../build/application-manifest';
import { HOST_PROVIDED_PACKAGES, productionDependencies } from '../build/production-dependencies';
import { Progress } from '../output/progress';
import { buildOutputDir, readBuiltManifest } from './deploy';

/** What deploying needs of a gateway; `PraasClient` in the CLI. */
export interface DeployClient {
  deployVersion(app: string, bundle: Uint8Array): Promise<AppInfo>;
}

export interface DeployToGatewayOptions {
  /** Project directory (default: the working directory). */
  readonly project?: string;
  /** The gateway's URL, for messages. */
  readonly gatewayUrl: string;
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
    client.deployVersion(manifest.app, packed.bundle),
  );
  progress.done();
  out(
    `registered application '${app.name}' version ${app.version ?? '?'} (package ${manifest.version}): ${app.processClasses.join(', ')}`,
  );
  out(`runtime hosts started with --app ${app.name} and no --module load it; new processes run it`);
  return app;
}
