import type { Sample } from './prom-text.mjs';

/** The samples of one scrape of `/metrics`, and when it was taken (epoch ms). */
export interface Scrape {
  readonly at: number;
  readonly samples: readonly Sample[];
}

/** One point of a chart: a time (epoch ms) and a value. */
export interface Point {
  readonly t: number;
  readonly v: number;
}

/** Which samples count: every label given must have that value (`!value`: any but that value). */
export type LabelMatch = Readonly<Record<string, string>>;

function matches(sample: Sample, name: string, match: LabelMatch): boolean {
  if (sample.name !== name) return false;
  for (const [label, want] of Object.entries(match)) {
    const have = sample.labels[label] ?? '';
    if (want.startsWith('!') ? have === want.slice(1) : have !== want) return false;
  }
  return true;
}

/** The sum of the samples named `name` that match. */
export function sumOf(samples: readonly Sample[], name: string, match: LabelMatch = {}): number {
  let sum = 0;
  for (const s of samples) if (matches(s, name, match)) sum += s.value;
  return sum;
}

/**
 * Per-second increase of a counter between two scrapes, summed over the matching series. A series
 * that went down was reset (the gateway restarted): its new value is the increase, as in PromQL.
 */
export function rateBetween(prev: Scrape, cur: Scrape, name: string, match: LabelMatch = {}): number {
  const seconds = (cur.at - prev.at) / 1000;
  if (seconds <= 0) return 0;
  const before = new Map<string, number>();
  for (const s of prev.samples) if (matches(s, name, match)) before.set(seriesKey(s), s.value);
  let increase = 0;
  for (const s of cur.samples) {
    if (!matches(s, name, match)) continue;
    const old = before.get(seriesKey(s)) ?? 0;
    increase += s.value >= old ? s.value - old : s.value;
  }
  return increase / seconds;
}

function seriesKey(s: Sample): string {
  return Object.entries(s.labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/**
 * A quantile of the observations a histogram got between two scrapes (`name` without `_bucket`),
 * over the matching series, interpolated inside the bucket as PromQL's histogram_quantile does;
 * undefined when nothing was observed.
 */
export function quantileBetween(
  q: number,
  prev: Scrape,
  cur: Scrape,
  name: string,
  match: LabelMatch = {},
): number | undefined {
  const bucketName = `${name}_bucket`;
  const counts = new Map<number, number>();
  const add = (samples: readonly Sample[], sign: 1 | -1): void => {
    for (const s of samples) {
      if (!matches(s, bucketName, match)) continue;
      const le = s.labels['le'] === '+Inf' ? Infinity : Number(s.labels['le']);
      counts.set(le, (counts.get(le) ?? 0) + sign * s.value);
    }
  };
  add(cur.samples, 1);
  add(prev.samples, -1);
  return histogramQuantile(
    q,
    [...counts].sort(([a], [b]) => a - b),
  );
}

/** A quantile from cumulative bucket counts `[upper bound, count]` sorted by bound; undefined without observations. */
export function histogramQuantile(q: number, buckets: readonly (readonly [number, number])[]): number | undefined {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [le, count] of buckets) {
    if (count >= rank) {
      // The top bucket has no upper bound: its lower bound is the best there is.
      if (le === Infinity) return lower;
      const inBucket = count - below;
      return inBucket <= 0 ? le : lower + ((le - lower) * (rank - below)) / inBucket;
    }
    lower = le;
    below = count;
  }
  return lower;
}

/** The last scrapes, oldest first, bounded so a page left open does not grow. */
export class MetricHistory {
  private readonly scrapes: Scrape[] = [];

  constructor(private readonly limit = 61) {}

  add(scrape: Scrape): void {
    this.scrapes.push(scrape);
    if (this.scrapes.length > this.limit) this.scrapes.shift();
  }

  get size(): number {
    return this.scrapes.length;
  }

  /** The newest scrape. */
  get latest(): Scrape | undefined {
    return this.scrapes.at(-1);
  }

  /** One point per pair of consecutive scrapes, at the later one's time; pairs where `value` says undefined are left out. */
  series(value: (prev: Scrape, cur: Scrape) => number | undefined): Point[] {
    const points: Point[] = [];
    for (let i = 1; i < this.scrapes.length; i++) {
      const v = value(this.scrapes[i - 1]!, this.scrapes[i]!);
      if (v !== undefined && Number.isFinite(v)) points.push({ t: this.scrapes[i]!.at, v });
    }
    return points;
  }

  /** One point per scrape (a gauge). */
  gauge(value: (scrape: Scrape) => number): Point[] {
    return this.scrapes.map((s) => ({ t: s.at, v: value(s) }));
  }
}
