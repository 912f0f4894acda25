import { gunzipSync, gzipSync } from 'node:zlib';
import { DecodeError, InvalidArgumentError, PayloadTooLargeError } from '../errors';
import { isValidName } from './names';

/** Format tag and version of a code bundle; raised when the layout changes meaning. */
export const BUNDLE_FORMAT = 'praas-bundle';
export const BUNDLE_FORMAT_VERSION = 1;

/** Largest unpacked bundle a reader accepts by default (256 MiB), so a small gzip cannot expand without bound. */
export const DEFAULT_BUNDLE_UNPACKED_LIMIT = 256 * 1024 * 1024;

/** What the gateway and the hosts read of `praas.manifest.json` (the full shape is the CLI's `ApplicationManifest`). */
export interface BundleManifest {
  readonly app: string;
  /** The package's own version (package.json), for people; the deployed code version is the gateway's counter. */
  readonly version: string;
  /** The compiled entry module, relative to the bundle root. */
  readonly module: string;
  /** The process classes, with their functions (bundles of `praas-framework build` list them). */
  readonly processes: readonly BundleProcess[];
}

/** One process class in a bundle's manifest, as far as the gateway and the hosts read it. */
export interface BundleProcess {
  readonly name: string;
  /** The class's functions; the gateway routes invocations without a pid by them. */
  readonly functions?: readonly { readonly name: string }[];
}

function isBundleProcess(value: unknown): boolean {
  const p = value as Partial<BundleProcess> | null;
  if (typeof p !== 'object' || p === null || !isValidName(p.name)) return false;
  if (p.functions === undefined) return true;
  return Array.isArray(p.functions) && p.functions.every((f) => isValidName((f as { name?: unknown } | null)?.name));
}

/** A deployable application: its manifest and its files by relative path (forward slashes). */
export interface AppBundle {
  readonly manifest: BundleManifest;
  readonly files: ReadonlyMap<string, Uint8Array>;
}

interface BundleDocument {
  format: string;
  formatVersion: number;
  manifest: BundleManifest;
  /** Relative path -> base64 of the file's bytes. */
  files: Record<string, string>;
}

/**
 * True for a relative path inside the bundle: forward slashes, no empty, `.` or `..` segment, no
 * drive or backslash. Unpacking trusts nothing else, so a bundle cannot write outside its directory.
 */
export function isSafeBundlePath(path: string): boolean {
  if (path.length === 0 || path.length > 1024 || path.includes('\\') || path.includes('\0')) return false;
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return false;
  return path.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

function checkManifest(value: unknown, what: string): BundleManifest {
  const m = value as Partial<BundleManifest> | null;
  if (
    typeof m !== 'object' ||
    m === null ||
    !isValidName(m.app) ||
    typeof m.version !== 'string' ||
    typeof m.module !== 'string' ||
    !isSafeBundlePath(m.module) ||
    !Array.isArray(m.processes) ||
    m.processes.length === 0 ||
    !m.processes.every(isBundleProcess)
  ) {
    throw new DecodeError(
      what,
      'its manifest needs app, version, module and a non-empty list of processes (each with a name and, if given, functions with names); run praas-framework build',
    );
  }
  return m as BundleManifest;
}

/**
 * Packs an application into one gzip-compressed JSON document (`praas-bundle` version 1). A
 * document of files rather than a tarball: no `tar` binary is needed on the gateway or the hosts,
 * the gateway reads the manifest without touching the disk, and every path is checked on both ends.
 * @throws InvalidArgumentError for an unsafe path or a manifest whose module is not among the files.
 */
export function packBundle(bundle: AppBundle): Uint8Array {
  const manifest = checkManifest(bundle.manifest, 'the bundle to pack');
  const files: Record<string, string> = {};
  for (const [path, bytes] of [...bundle.files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!isSafeBundlePath(path)) throw new InvalidArgumentError(`bundle path '${path}' is not a safe relative path`);
    files[path] = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  }
  if (files[manifest.module] === undefined) {
    throw new InvalidArgumentError(`the bundle lacks its entry module ${manifest.module}`);
  }
  const document: BundleDocument = {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_FORMAT_VERSION,
    manifest,
    files,
  };
  return gzipSync(JSON.stringify(document), { level: 9 });
}

/**
 * Reads a bundle that `packBundle` wrote, checking its format, manifest and every path.
 * @throws DecodeError when the bytes are not such a bundle; PayloadTooLargeError when it unpacks to more than `unpackedLimit`.
 */
export function unpackBundle(bytes: Uint8Array, unpackedLimit = DEFAULT_BUNDLE_UNPACKED_LIMIT): AppBundle {
  const what = 'the code bundle';
  let text: string;
  try {
    text = gunzipSync(bytes, { maxOutputLength: unpackedLimit }).toString('utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new PayloadTooLargeError('the unpacked code bundle', unpackedLimit + 1, unpackedLimit);
    throw new DecodeError(what, 'not gzip data; make it with praas-framework deploy', e);
  }
  let document: Partial<BundleDocument>;
  try {
    document = JSON.parse(text) as Partial<BundleDocument>;
  } catch (e) {
    throw new DecodeError(what, 'not a JSON document', e);
  }
  if (document.format !== BUNDLE_FORMAT || document.formatVersion !== BUNDLE_FORMAT_VERSION) {
    throw new DecodeError(
      what,
      `format ${String(document.format)}/${String(document.formatVersion)} is not ${BUNDLE_FORMAT}/${BUNDLE_FORMAT_VERSION}`,
    );
  }
  const manifest = checkManifest(document.manifest, what);
  const files = new Map<string, Uint8Array>();
  for (const [path, data] of Object.entries(document.files ?? {})) {
    if (!isSafeBundlePath(path) || typeof data !== 'string') {
      throw new DecodeError(what, `file '${path}' has an unsafe path or no base64 content`);
    }
    files.set(path, Buffer.from(data, 'base64'));
  }
  if (!files.has(manifest.module)) throw new DecodeError(what, `it lacks its entry module ${manifest.module}`);
  return { manifest, files };
}
