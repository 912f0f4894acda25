import type { Measurement } from './runner';

/**
 * The nearest-rank quantile `q` (0 < q ≤ 1) of `values`: the smallest value with at least that
 * share of the values at or below it (`quantile([3, 1, 2], 0.5)` is 2).
 * @throws Error when there are no values.
 */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new Error(`no values to take the quantile ${q} of`);
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1))]!;
}

/** Iterations, median, p99 and mean (µs, two decimals) of durations in ns. */
export function statistics(
  durationsNs: readonly number[],
): Pick<Measurement, 'medianUs' | 'p99Us' | 'meanUs' | 'iterations'> {
  if (durationsNs.length === 0) throw new Error('no durations to summarize');
  const mean = durationsNs.reduce((s, d) => s + d, 0) / durationsNs.length;
  const us = (ns: number): number => Math.round(ns / 10) / 100;
  return {
    iterations: durationsNs.length,
    medianUs: us(quantile(durationsNs, 0.5)),
    p99Us: us(quantile(durationsNs, 0.99)),
    meanUs: us(mean),
  };
}

const round3 = (value: number): number => Math.round(value * 1000) / 1000;

/** `subject.medianUs / baseline.medianUs`, to three decimals. @throws Error when the baseline's median is 0. */
export function medianRatio(subject: Measurement, baseline: Measurement): number {
  if (!(baseline.medianUs > 0)) throw new Error(`the median of ${baseline.suite}/${baseline.name} is 0: no ratio`);
  return round3(subject.medianUs / baseline.medianUs);
}

/**
 * `subject.perSecond / baseline.perSecond`, to three decimals.
 * @throws Error naming a measurement that has no rate (not recorded with `recordRate`).
 */
export function rateRatio(subject: Measurement, baseline: Measurement): number {
  for (const m of [subject, baseline]) {
    if (!(m.perSecond !== undefined && m.perSecond > 0)) {
      throw new Error(`${m.suite}/${m.name} has no rate: record it with recordRate to compare throughputs`);
    }
  }
  return round3(subject.perSecond! / baseline.perSecond!);
}
