import { h, s } from './dom.mjs';
import { niceCeiling } from './format.mjs';
import type { Point } from './metric-history.mjs';

/** One line of a chart; `tone` picks its colour from the stylesheet (`tone-1` … `tone-4`). */
export interface ChartSeries {
  readonly name: string;
  readonly points: readonly Point[];
  readonly tone: 1 | 2 | 3 | 4;
}

export interface ChartOptions {
  readonly title: string;
  readonly series: readonly ChartSeries[];
  /** How a value reads on the axis and in the legend. */
  readonly format: (v: number) => string;
  /** The longest time span shown, in ms, ending now (default 5 minutes); shorter while there is less history. */
  readonly spanMs?: number;
  readonly now?: number;
}

const WIDTH = 280;
const HEIGHT = 120;
const PAD = { left: 46, right: 6, top: 8, bottom: 18 };
/** The shortest span shown: a page just opened draws its first points across a minute, not squeezed to the right of five. */
const MIN_SPAN_MS = 60_000;

/**
 * A small line chart in SVG: the series over the last minutes, a round axis maximum with three
 * grid lines, and a legend with each series' newest value. Drawn by hand: the page loads nothing
 * from elsewhere.
 */
export function lineChart(options: ChartOptions): HTMLElement {
  const now = options.now ?? Date.now();
  const longest = options.spanMs ?? 5 * 60_000;
  const oldest = Math.min(now, ...options.series.flatMap((series) => series.points.map((p) => p.t)));
  const span = Math.min(longest, Math.max(MIN_SPAN_MS, now - oldest));
  const from = now - span;
  const visible = options.series.map((series) => ({ ...series, points: series.points.filter((p) => p.t >= from) }));
  const max = niceCeiling(Math.max(0, ...visible.flatMap((series) => series.points.map((p) => p.v))));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (t: number): number => PAD.left + ((t - from) / span) * plotW;
  const y = (v: number): number => PAD.top + plotH - (v / max) * plotH;
  const grid = [0, 0.5, 1].map((f) =>
    s(
      'g',
      { class: 'grid' },
      s('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(f * max), y2: y(f * max) }),
      s('text', { x: PAD.left - 6, y: y(f * max) + 4, 'text-anchor': 'end' }, options.format(f * max)),
    ),
  );
  const lines = visible
    .filter((series) => series.points.length > 0)
    .map((series) => {
      const path = series.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`);
      const last = series.points.at(-1)!;
      return s(
        'g',
        { class: `series tone-${series.tone}` },
        s('path', { d: path.join(' ') }),
        s('circle', { cx: x(last.t).toFixed(1), cy: y(last.v).toFixed(1), r: 2.5 }),
      );
    });
  const axis = s(
    'g',
    { class: 'axis' },
    s(
      'text',
      { x: PAD.left, y: HEIGHT - 4 },
      span < 90_000 ? `−${Math.round(span / 1000)} s` : `−${Math.round(span / 60_000)} min`,
    ),
    s('text', { x: WIDTH - PAD.right, y: HEIGHT - 4, 'text-anchor': 'end' }, 'now'),
  );
  const empty = visible.every((series) => series.points.length === 0);
  const svg = s(
    'svg',
    { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': options.title },
    grid,
    lines,
    axis,
    empty
      ? s(
          'text',
          { class: 'empty', x: PAD.left + plotW / 2, y: PAD.top + plotH / 2, 'text-anchor': 'middle' },
          'collecting…',
        )
      : null,
  );
  const legend = h(
    'div',
    { class: 'legend' },
    visible.map((series) =>
      h(
        'span',
        { class: `tone-${series.tone}` },
        h('i', {}),
        series.name,
        h('b', {}, series.points.length ? options.format(series.points.at(-1)!.v) : '–'),
      ),
    ),
  );
  return h('figure', { class: 'chart' }, h('figcaption', {}, options.title), svg, legend);
}
