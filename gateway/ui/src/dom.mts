/** What an element can hold: nodes, text (numbers too), and nothing for conditional parts. */
export type Child = Node | string | number | null | undefined | false;
/** Attributes: text, `true` for a bare attribute, and `on<event>` listeners. */
export type Attributes = Readonly<Record<string, string | number | boolean | undefined | ((event: Event) => void)>>;

function apply(element: Element, attributes: Attributes, children: readonly (Child | readonly Child[])[]): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    // Text is always a text node, never markup: process state and names are shown, never parsed.
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** An HTML element with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: (Child | readonly Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  apply(element, attributes, children);
  return element;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes and children. */
export function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: (Child | readonly Child[])[]
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  apply(element, attributes, children);
  return element;
}

/** Replaces the children of `parent`. */
export function replace(parent: Element, ...children: (Child | readonly Child[])[]): void {
  parent.replaceChildren();
  apply(parent, {}, children);
}

/** The status pill of a process: its colour says active, swapped, swapping, deleted. */
export function statusPill(status: string): HTMLElement {
  return h('span', { class: `pill status-${status}` }, status);
}

/** The hash of the page of an application, or of one of its processes. */
export function appHref(app: string, pid?: string): string {
  return `#/apps/${encodeURIComponent(app)}${pid === undefined ? '' : `/processes/${encodeURIComponent(pid)}`}`;
}

/** Something a view started and must stop when the page changes (a stream, a timer). */
export interface Disposable {
  dispose(): void;
}

/** A view of the page: its element, and what to stop when it is left. */
export interface View extends Disposable {
  readonly element: HTMLElement;
}
