import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RouteNotFoundError } from '../errors/gateway-errors';
import type { RestReply } from '../rest/rest-handlers';

/** The package's root: this file is `dist/src/ui/ui-files.js` in it. */
const PACKAGE_ROOT = join(__dirname, '..', '..', '..');

/** Where the dashboard's files are: the hand-written page and style, and the scripts tsc builds from `ui/src`. */
export interface UiDirectories {
  /** `index.html`, `style.css`, images (default `<package>/ui/static`). */
  readonly staticDir: string;
  /** The compiled `*.mjs` modules (default `<package>/dist/ui/src`). */
  readonly scriptDir: string;
}

export const DEFAULT_UI_DIRECTORIES: UiDirectories = {
  staticDir: join(PACKAGE_ROOT, 'ui', 'static'),
  scriptDir: join(PACKAGE_ROOT, 'dist', 'ui', 'src'),
};

const TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  svg: 'image/svg+xml',
};

/** One flat name with a known extension: no path separators, no `..`, nothing outside the two directories. */
const FILE_NAME = /^[a-z0-9][a-z0-9-]*\.(html|css|mjs|svg)$/;

/**
 * The page may load only its own scripts and styles and talk only to this gateway: whatever a
 * process's state holds is shown as text, and this keeps it from ever running as code.
 */
const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

/**
 * Answers `GET /ui` (the page) and `GET /ui/{file}` (its scripts, style and images). The files
 * hold no data, so they are served without a token; the page asks for one and sends it on the
 * API calls it makes.
 * @throws RouteNotFoundError for a name that is not one of the dashboard's files.
 */
export async function uiFile(file: string, dirs: UiDirectories = DEFAULT_UI_DIRECTORIES): Promise<RestReply> {
  const name = FILE_NAME.exec(file);
  if (!name) throw new RouteNotFoundError(`/ui/${file}`);
  const extension = name[1]!;
  const path = join(extension === 'mjs' ? dirs.scriptDir : dirs.staticDir, file);
  let body: Buffer;
  try {
    body = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new RouteNotFoundError(`/ui/${file}`);
    throw e;
  }
  return { status: 200, body, contentType: TYPES[extension]!, headers: PAGE_HEADERS };
}

/** `GET /`: the dashboard is where a browser pointed at the gateway lands. */
export const HOME_REDIRECT: RestReply = { status: 302, headers: { Location: '/ui' } };
