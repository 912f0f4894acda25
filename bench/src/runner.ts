import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import { medianRatio, rateRatio, statistics } from './statistics';

export { quantile, medianRatio, rateRatio } from './statistics';

/**
 * One measured operation: latency statistics over `iterations` timed runs after a warm-up. A
 * throughput measurement times runs of `messages` messages each and adds the median rate.
 */
export interface Measurement {
  readonly suite: string;
  readonly name: string;
  readonly iterations: number;
  readonly medianUs: number;
  readonly p99Us: number;
  readonly meanUs: number;
  /** What the measurement varied, e.g. `{ payloadBytes: 1024 }`. */
  readonly params: Readonly<Record<string, string | number>>;
  /** Throughput only: messages in each timed run. */
  readonly messages?: number;
  /** Throughput only: `messages` over the median run time, in messages per second. */
  readonly perSecond?: number;
}

/** A suite that threw: what it measured before is kept, the run goes on with the next suite. */
export interface SuiteFailure {
  readonly suite: string;
  readonly error: string;
}

/** Everything one run produced; `latest.json` holds it. */
export interface BenchReport {
  readonly startedAt: string;
  readonly quick: boolean;
  readonly machine: { readonly node: string; readonly platform: string; readonly cpus: number };
  readonly results: Measurement[];
  /**
   * Median latency ratios, e.g. `invoke_vs_nats_rr_1KiB`: 1.1 means 10 % slower than the baseline;
   * and rate ratios, `throughput_*`: 0.5 means half the baseline's messages per second.
   */
  readonly ratios: Record<string, number>;
  /** The suite that produced each ratio, so a rerun suite replaces all of its ratios. */
  readonly ratioSuites: Record<string, string>;
  /**
   * Single measured values with their unit in the key, e.g. `scale_host_rss_per_active_KiB`;
   * each suite's README section names its keys.
   */
  readonly figures?: Record<string, number>;
  /** The suite that produced each figure. */
  readonly figureSuites?: Record<string, string>;
  /** Things a suite could not measure, with the reason. */
  readonly notes: string[];
  /** Suites that threw, in this run or (when not rerun since) an earlier one. */
  readonly failures: SuiteFailure[];
}

export interface MeasureOptions {
  readonly params?: Readonly<Record<string, string | number>>;
  /** Timed iterations (default: the run's default, fewer with --quick). */
  readonly iterations?: number;
  readonly warmup?: number;
}

/** What a suite gets to work with. */
export interface SuiteContext {
  readonly quick: boolean;
  /** Default iteration count of this run. */
  readonly iterations: number;
  readonly warmup: number;
  /** Times `operation` one call at a time and records the statistics. */
  measure(name: string, operation: () => Promise<unknown>, options?: MeasureOptions): Promise<Measurement>;
  /**
   * Times several operations side by side: one call of each in turn, so drift and noise of the
   * machine hit them alike. An operation's own params are added to those of `options`. Returns
   * the measurements in the order given.
   */
  measureTogether(
    operations: readonly (readonly [
      name: string,
      operation: () => Promise<unknown>,
      params?: Readonly<Record<string, string | number>>,
    ])[],
    options?: MeasureOptions,
  ): Promise<Measurement[]>;
  /** Records durations measured elsewhere (e.g. inside a process), in nanoseconds. */
  record(name: string, durationsNs: readonly number[], params?: Readonly<Record<string, string | number>>): Measurement;
  /**
   * Records a throughput: each duration (nanoseconds) is one run that moved `messages` messages;
   * the measurement carries the median rate in `perSecond`.
   */
  recordRate(
    name: string,
    messages: number,
    durationsNs: readonly number[],
    params?: Readonly<Record<string, string | number>>,
  ): Measurement;
  /** Records `subject.median / baseline.median` under `key` (latency: lower is better). */
  ratio(key: string, subject: Measurement, baseline: Measurement): void;
  /** Records `subject.perSecond / baseline.perSecond` under `key` (throughput: higher is better). */
  rateRatio(key: string, subject: Measurement, baseline: Measurement): void;
  note(text: string): void;
  /** Records a single measured value under `key` (its unit in the key). */
  figure(key: string, value: number): void;
}

/** A benchmark suite: a named function; register it in main.ts. */
export interface Suite {
  readonly name: string;
  run(context: SuiteContext): Promise<void>;
}

export interface RunOptions {
  readonly quick: boolean;
  /** Run only these suites (default: all). */
  readonly only?: readonly string[];
  /** Where the report goes; results of suites not run now are kept from the previous report. */
  readonly output: string;
  /** Where the table goes (default: stdout). */
  readonly print?: (line: string) => void;
  /** Where progress and failures go while the suites run (default: stderr). */
  readonly progress?: (line: string) => void;
}

/** What {@link runSuites} hands back: the merged report, and the suites that failed in this run. */
export interface RunResult {
  readonly report: BenchReport;
  readonly failures: readonly SuiteFailure[];
}

const describeError = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Runs the suites one after another, prints a table and writes the merged report. A suite that
 * throws is recorded in `failures` and the run goes on with the next one.
 * @throws Error when `only` names a suite that does not exist (before anything runs).
 */
export async function runSuites(suites: readonly Suite[], options: RunOptions): Promise<RunResult> {
  const selected = options.only?.length ? suites.filter((s) => options.only!.includes(s.name)) : suites;
  const unknown = (options.only ?? []).filter((n) => !suites.some((s) => s.name === n));
  if (unknown.length) {
    throw new Error(`unknown suite(s) ${unknown.join(', ')}; suites are: ${suites.map((s) => s.name).join(', ')}`);
  }
  const progress = options.progress ?? ((line: string) => console.error(line));
  const results: Measurement[] = [];
  const ratios: Record<string, number> = {};
  const ratioSuites: Record<string, string> = {};
  const figures: Record<string, number> = {};
  const figureSuites: Record<string, string> = {};
  const notes: string[] = [];
  const failures: SuiteFailure[] = [];
  const iterations = options.quick ? 200 : 2_000;
  const warmup = options.quick ? 20 : 200;
  for (const suite of selected) {
    const keep = (m: Measurement): Measurement => {
      results.push(m);
      progress(
        `  ${suite.name}/${m.name}: median ${m.medianUs} µs${m.perSecond === undefined ? '' : `, ${m.perSecond}/s`}`,
      );
      return m;
    };
    const setRatio = (key: string, value: number): void => {
      ratios[key] = value;
      ratioSuites[key] = suite.name;
    };
    const context: SuiteContext = {
      quick: options.quick,
      iterations,
      warmup,
      measure: async (name, operation, o = {}) => {
        for (let i = 0; i < (o.warmup ?? warmup); i++) await operation();
        const durations: number[] = [];
        for (let i = 0; i < (o.iterations ?? iterations); i++) {
          const start = process.hrtime.bigint();
          await operation();
          durations.push(Number(process.hrtime.bigint() - start));
        }
        return context.record(name, durations, o.params);
      },
      measureTogether: async (operations, o = {}) => {
        for (let i = 0; i < (o.warmup ?? warmup); i++) for (const [, operation] of operations) await operation();
        const durations = operations.map(() => [] as number[]);
        for (let i = 0; i < (o.iterations ?? iterations); i++) {
          for (let k = 0; k < operations.length; k++) {
            const start = process.hrtime.bigint();
            await operations[k]![1]();
            durations[k]!.push(Number(process.hrtime.bigint() - start));
          }
        }
        return operations.map(([name, , params], k) => context.record(name, durations[k]!, { ...o.params, ...params }));
      },
      record: (name, durationsNs, params = {}) => keep({ suite: suite.name, name, params, ...statistics(durationsNs) }),
      recordRate: (name, messages, durationsNs, params = {}) => {
        if (!(Number.isInteger(messages) && messages > 0)) {
          throw new Error(`recordRate '${name}': messages must be a positive integer, got ${messages}`);
        }
        const stats = statistics(durationsNs);
        const perSecond = Math.round(messages / (stats.medianUs / 1e6));
        return keep({ suite: suite.name, name, params, ...stats, messages, perSecond });
      },
      ratio: (key, subject, baseline) => setRatio(key, medianRatio(subject, baseline)),
      rateRatio: (key, subject, baseline) => setRatio(key, rateRatio(subject, baseline)),
      note: (text) => notes.push(`${suite.name}: ${text}`),
      figure: (key, value) => {
        figures[key] = value;
        figureSuites[key] = suite.name;
        progress(`  ${suite.name}: ${key} = ${value}`);
      },
    };
    progress(`suite ${suite.name}`);
    try {
      await suite.run(context);
    } catch (e) {
      failures.push({ suite: suite.name, error: describeError(e) });
      progress(`suite ${suite.name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
  }
  const report = merge(options.output, selected, {
    startedAt: new Date().toISOString(),
    quick: options.quick,
    machine: { node: process.version, platform: process.platform, cpus: cpus().length },
    results,
    ratios,
    ratioSuites,
    figures,
    figureSuites,
    notes,
    failures,
  });
  mkdirSync(dirname(options.output), { recursive: true });
  writeFileSync(options.output, `${JSON.stringify(report, null, 2)}\n`);
  printTable(report, options.print ?? ((line: string) => console.log(line)));
  return { report, failures };
}

/**
 * Keeps the previous report's results, ratios and notes of suites that did not run now; whatever a
 * rerun suite produced before is replaced by what it produced now, even where that is nothing.
 * Ratios of a report without `ratioSuites` (written before it existed) cannot be attributed, so
 * they are dropped.
 */
function merge(path: string, ran: readonly Suite[], now: BenchReport): BenchReport {
  if (!existsSync(path)) return now;
  let previous: Partial<BenchReport>;
  try {
    previous = JSON.parse(readFileSync(path, 'utf8')) as Partial<BenchReport>;
  } catch {
    return now;
  }
  const rerun = new Set(ran.map((s) => s.name));
  const keptResults = (previous.results ?? []).filter((r) => !rerun.has(r.suite));
  const keptSuites = new Set(keptResults.map((r) => r.suite));
  const keptRatios: Record<string, number> = {};
  const keptRatioSuites: Record<string, string> = {};
  for (const [key, value] of Object.entries(previous.ratios ?? {})) {
    const owner = previous.ratioSuites?.[key];
    if (owner === undefined || rerun.has(owner)) continue;
    keptRatios[key] = value;
    keptRatioSuites[key] = owner;
  }
  const keptFigures: Record<string, number> = {};
  const keptFigureSuites: Record<string, string> = {};
  for (const [key, value] of Object.entries(previous.figures ?? {})) {
    const owner = previous.figureSuites?.[key];
    if (owner === undefined || rerun.has(owner)) continue;
    keptFigures[key] = value;
    keptFigureSuites[key] = owner;
  }
  return {
    ...now,
    figures: { ...keptFigures, ...now.figures },
    figureSuites: { ...keptFigureSuites, ...now.figureSuites },
    results: [...keptResults, ...now.results],
    ratios: { ...keptRatios, ...now.ratios },
    ratioSuites: { ...keptRatioSuites, ...now.ratioSuites },
    notes: [...(previous.notes ?? []).filter((n) => keptSuites.has(n.split(':')[0]!)), ...now.notes],
    failures: [...(previous.failures ?? []).filter((f) => !rerun.has(f.suite)), ...now.failures],
  };
}

function printTable(report: BenchReport, print: (line: string) => void): void {
  const rows = report.results.map((r) => [
    `${r.suite}/${r.name}`,
    Object.entries(r.params)
      .map(([k, v]) => `${k}=${v}`)
      .join(' '),
    r.medianUs.toFixed(1),
    r.p99Us.toFixed(1),
    String(r.iterations),
    r.perSecond === undefined ? '' : String(r.perSecond),
  ]);
  const header = ['benchmark', 'params', 'median µs', 'p99 µs', 'n', 'messages/s'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i >= 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  print(line(header));
  print(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) print(line(row));
  if (Object.keys(report.ratios).length) {
    print('');
    print('ratios: latency = median / median of the baseline (lower is better);');
    print('        throughput_* = messages/s / messages/s of the baseline (higher is better)');
    for (const [key, value] of Object.entries(report.ratios)) print(`  ${key.padEnd(40)} ${value.toFixed(3)}`);
  }
  for (const n of report.notes) print(`note: ${n}`);
  for (const f of report.failures) print(`FAILED suite ${f.suite}: ${f.error}`);
}
