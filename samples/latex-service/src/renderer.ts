import MarkdownIt from 'markdown-it';

/**
 * Bumped whenever rendering changes, so fragments cached by an older renderer are rebuilt: it is
 * part of every fragment's content hash.
 */
export const RENDERER_VERSION = 'markdown-it-15/1';

// Raw HTML in sources is escaped, not passed through: one author cannot inject markup into another's view.
const markdown = new MarkdownIt({ html: false, linkify: true, typographer: true });

/** Renders one Markdown source file to an HTML fragment. */
export function renderMarkdown(content: string): string {
  return markdown.render(content);
}

/** Escapes text for an HTML attribute or text node. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
