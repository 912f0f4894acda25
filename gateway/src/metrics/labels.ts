/** Label values of one series, by label name. */
export type Labels = Readonly<Record<string, string>>;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Throws when `name` is not a valid Prometheus metric name. */
export function assertMetricName(name: string): void {
  if (!METRIC_NAME.test(name)) throw new TypeError(`invalid metric name '${name}': use [a-zA-Z_:][a-zA-Z0-9_:]*`);
}

/** Throws when a label name is invalid or reserved (`__` prefix, or `le` which histograms own). */
export function assertLabelNames(metric: string, names: readonly string[]): void {
  for (const n of names) {
    if (!LABEL_NAME.test(n) || n.startsWith('__') || n === 'le')
      throw new TypeError(`metric '${metric}': invalid label name '${n}'`);
  }
  if (new Set(names).size !== names.length) throw new TypeError(`metric '${metric}': duplicate label names`);
}

/** Escapes a label value for the text format: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Escapes HELP text: backslash and line feed. */
export function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Formats a sample value: integers plainly, `+Inf`/`-Inf`/`NaN` as the format spells them. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/**
 * Keeps the series of one metric family apart by their label values. The key is the values in
 * label-name order, joined by a separator that cannot occur unescaped.
 */
export class SeriesMap<T> {
  private readonly series = new Map<string, { labels: Labels; value: T }>();

  constructor(
    private readonly metric: string,
    readonly labelNames: readonly string[],
  ) {}

  /** The series for `labels`, created with `init` on first use; every label name must be given, no other. */
  get(labels: Labels, init: () => T): T {
    const given = Object.keys(labels);
    if (given.length !== this.labelNames.length || this.labelNames.some((n) => typeof labels[n] !== 'string'))
      throw new TypeError(
        `metric '${this.metric}' takes labels {${this.labelNames.join(', ')}}, got {${given.join(', ')}}`,
      );
    const key = this.labelNames.map((n) => escapeLabelValue(labels[n]!)).join('\u0000');
    let entry = this.series.get(key);
    if (!entry) this.series.set(key, (entry = { labels: { ...labels }, value: init() }));
    return entry.value;
  }

  entries(): { labels: Labels; value: T }[] {
    return [...this.series.values()];
  }

  clear(): void {
    this.series.clear();
  }
}

/** Renders `{a="x",b="y"}` (empty string without labels), `extra` appended (used for `le`). */
export function renderLabels(labels: Labels, names: readonly string[], extra?: [string, string]): string {
  const parts = names.map((n) => `${n}="${escapeLabelValue(labels[n] ?? '')}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}
