import { createHash } from 'node:crypto';
import type { ProjectFile } from './project-files';
import { escapeHtml, renderMarkdown, RENDERER_VERSION } from './renderer';

/** A rendered file, kept so an unchanged file is not rendered again. */
export interface CachedFragment {
  /** Hash of the renderer version and the source it was rendered from. */
  readonly hash: string;
  readonly html: string;
}

/** What one compile did. */
export interface CompileReport {
  /** Files rendered by this compile (new or changed since the last one), in document order. */
  readonly rebuilt: string[];
  /** Files whose cached fragment was reused. */
  readonly reused: string[];
  /** Cached fragments dropped because their file no longer exists. */
  readonly dropped: string[];
  /** Length of the assembled HTML. */
  readonly outputChars: number;
}

/** The result of `compileIncremental`: the new cache, the assembled document, and the report. */
export interface CompileResult {
  readonly fragments: Map<string, CachedFragment>;
  readonly html: string;
  readonly report: CompileReport;
}

/** The hash under which a file's fragment is cached. */
export function fragmentHash(content: string): string {
  return createHash('sha256').update(RENDERER_VERSION).update('\u0000').update(content).digest('hex');
}

/** Document order: file names sorted, so `01-intro.md` comes before `02-method.md`. */
export function documentOrder(names: Iterable<string>): string[] {
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Joins rendered fragments, in document order, into one HTML page. */
export function assembleDocument(title: string, fragments: readonly (readonly [string, string])[]): string {
  const sections = fragments.map(([name, html]) => `<section data-file="${escapeHtml(name)}">\n${html}</section>`);
  return (
    `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>\n` +
    `<body><article>\n${sections.join('\n')}\n</article></body></html>\n`
  );
}

/**
 * Compiles a project incrementally: a file whose content hash matches its cached fragment is not
 * rendered again; new and changed files are; fragments of deleted files are dropped. Pure: the
 * caller stores the returned cache. `sourceOf` is asked only for the files that must be rendered,
 * so a caller that keeps sources elsewhere (the stateless variant) fetches only those.
 */
export async function compileIncremental(
  title: string,
  hashes: ReadonlyMap<string, string>,
  cache: ReadonlyMap<string, CachedFragment>,
  sourceOf: (name: string) => Promise<string> | string,
  cachedHtmlOf: (name: string, cached: CachedFragment) => Promise<string> | string = (_, c) => c.html,
): Promise<CompileResult> {
  const fragments = new Map<string, CachedFragment>();
  const rebuilt: string[] = [];
  const reused: string[] = [];
  const ordered: [string, string][] = [];
  for (const name of documentOrder(hashes.keys())) {
    const hash = hashes.get(name)!;
    const cached = cache.get(name);
    let fragment: CachedFragment;
    if (cached && cached.hash === hash) {
      fragment = { hash, html: await cachedHtmlOf(name, cached) };
      reused.push(name);
    } else {
      const source = await sourceOf(name);
      if (fragmentHash(source) !== hash) throw new Error(`source of '${name}' changed while compiling; compile again`);
      fragment = { hash, html: renderMarkdown(source) };
      rebuilt.push(name);
    }
    fragments.set(name, fragment);
    ordered.push([name, fragment.html]);
  }
  const dropped = [...cache.keys()].filter((name) => !hashes.has(name));
  const html = assembleDocument(title, ordered);
  return { fragments, html, report: { rebuilt, reused, dropped, outputChars: html.length } };
}

/** Content hashes of a project's files, for `compileIncremental`. */
export function hashesOf(files: ReadonlyMap<string, ProjectFile>): Map<string, string> {
  return new Map([...files].map(([name, file]) => [name, file.hash]));
}
