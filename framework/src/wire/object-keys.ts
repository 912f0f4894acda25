import { InvalidArgumentError } from '../errors';
import { validateName } from './names';

/*
 * Object-store layout of snapshots (DESIGN §6): `<app>/<pid>/<generation>/chunk-NNNN` and a
 * `manifest` written last. Generations are zero-padded so that listing order is numeric order.
 */
const GENERATION_DIGITS = 12;

function generationToken(generation: number): string {
  if (!Number.isSafeInteger(generation) || generation < 1) {
    throw new InvalidArgumentError(`a snapshot generation must be a positive integer, got ${generation}`);
  }
  return String(generation).padStart(GENERATION_DIGITS, '0');
}

/** Prefix of every object of a process's snapshots. */
export function processPrefix(app: string, pid: string): string {
  return `${validateName('application', app)}/${validateName('pid', pid)}/`;
}

export function generationPrefix(app: string, pid: string, generation: number): string {
  return `${processPrefix(app, pid)}${generationToken(generation)}/`;
}

export function chunkKey(app: string, pid: string, generation: number, index: number): string {
  return `${generationPrefix(app, pid, generation)}chunk-${String(index).padStart(4, '0')}`;
}

export function manifestKey(app: string, pid: string, generation: number): string {
  return `${generationPrefix(app, pid, generation)}manifest`;
}

/** Reads the generation back out of a key under `processPrefix`, or undefined for foreign keys. */
export function parseGeneration(app: string, pid: string, key: string): number | undefined {
  const prefix = processPrefix(app, pid);
  if (!key.startsWith(prefix)) return undefined;
  const token = key.slice(prefix.length).split('/')[0] ?? '';
  if (!/^\d+$/.test(token)) return undefined;
  return Number(token);
}

/** True when `key` is a manifest object. */
export function isManifestKey(key: string): boolean {
  return key.endsWith('/manifest');
}

/*
 * Deployed code (DESIGN §7): `_bundles/<app>/<incarnation>/<version>`. No application name starts
 * with '_', so bundles never share a prefix with snapshots. The incarnation (`AppRecord.incarnation`)
 * keeps the bundles of a deleted application apart from those of a later one of the same name, whose
 * versions count from 1 again. Versions are zero-padded like generations.
 */
const BUNDLES_ROOT = '_bundles/';

/** Prefix of every code bundle of every incarnation of an application. */
export function bundlePrefix(app: string): string {
  return `${BUNDLES_ROOT}${validateName('application', app)}/`;
}

/** Prefix of the code bundles of one incarnation of an application. */
export function incarnationBundlePrefix(app: string, incarnation: string): string {
  return `${bundlePrefix(app)}${validateName('application incarnation', incarnation)}/`;
}

/** Object key of the code bundle of one deployed version (1, 2, ...) of an application incarnation. */
export function bundleKey(app: string, incarnation: string, version: number): string {
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new InvalidArgumentError(`a code version must be a positive integer, got ${version}`);
  }
  return `${incarnationBundlePrefix(app, incarnation)}${String(version).padStart(GENERATION_DIGITS, '0')}`;
}
