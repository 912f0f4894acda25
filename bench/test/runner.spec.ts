import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  medianRatio,
  quantile,
  rateRatio,
  runSuites,
  type BenchReport,
  type RunOptions,
  type Suite,
} from '../src/runner';

/** A suite that records one measurement per name, 1 µs apart, and the ratios given. */
function suite(name: string, ratios: readonly [key: string, subject: string, baseline: string][] = []): Suite {
  return {
    name,
    async run(context) {
      const names = new Set(ratios.flatMap(([, s, b]) => [s, b]));
      const m = new Map([...names].map((n, i) => [n, context.record(n, [(i + 1) * 1_000])]));
      for (const [key, s, b] of ratios) context.ratio(key, m.get(s)!, m.get(b)!);
    },
  };
}

/** A suite that records one measurement, then throws. */
function failing(name: string, message: string): Suite {
  return {
    name,
    async run(context) {
      context.record('before_the_failure', [5_000]);
      throw new Error(message);
    },
  };
}

describe('bench runner', () => {
  let dir: string;
  let output: string;
  let printed: string[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'praas-bench-runner-'));
    output = join(dir, 'latest.json');
    printed = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const read = (): BenchReport => JSON.parse(readFileSync(output, 'utf8')) as BenchReport;
  const options = (more: Partial<RunOptions> = {}): RunOptions => ({
    quick: true,
    output,
    print: (line) => printed.push(line),
    progress: () => {},
    ...more,
  });

  describe('a suite that fails', () => {
    it('is recorded with its error, and the suites after it still run', async () => {
      const result = await runSuites(
        [suite('a'), failing('b', 'nats-server did not start'), suite('c', [['c_ratio', 'x', 'y']])],
        options(),
      );
      assert.deepEqual(result.failures, [{ suite: 'b', error: 'nats-server did not start' }]);
      const report = read();
      assert.deepEqual(report.failures, [{ suite: 'b', error: 'nats-server did not start' }]);
      assert.deepEqual(report.ratios, { c_ratio: 0.5 });
      assert.deepEqual(
        report.results.map((r) => `${r.suite}/${r.name}`),
        ['b/before_the_failure', 'c/x', 'c/y'],
        'what the failing suite measured before it failed is kept',
      );
      assert.ok(printed.some((line) => line.includes('b') && line.includes('nats-server did not start')));
    });

    it('stays in the report while it is not rerun, and goes when it reruns and passes', async () => {
      await runSuites([failing('a', 'boom'), suite('b')], options());
      const second = await runSuites([failing('a', 'boom'), suite('b')], options({ only: ['b'] }));
      assert.deepEqual(second.failures, [], 'only the failures of this run count for the exit code');
      assert.deepEqual(read().failures, [{ suite: 'a', error: 'boom' }]);

      await runSuites([suite('a'), suite('b')], options({ only: ['a'] }));
      assert.deepEqual(read().failures, []);
    });

    it('a suite that throws something other than an Error is recorded with its text', async () => {
      const odd: Suite = {
        name: 'odd',
        run: () => Promise.reject('plain text'), // eslint-disable-line @typescript-eslint/prefer-promise-reject-errors
      };
      const result = await runSuites([odd], options());
      assert.deepEqual(result.failures, [{ suite: 'odd', error: 'plain text' }]);
    });
  });

  describe('throughput', () => {
    it('records messages per second from the median run and compares rates, higher is better', async () => {
      const rates: Suite = {
        name: 'rates',
        async run(context) {
          // 1,000 messages in 10 ms, 20 ms, 30 ms: median 20 ms = 50,000 messages/s.
          const ours = context.recordRate('ours', 1_000, [30e6, 10e6, 20e6]);
          // 1,000 messages in 5 ms = 200,000 messages/s.
          const floor = context.recordRate('floor', 1_000, [5e6, 5e6, 5e6]);
          context.rateRatio('throughput_vs_floor', ours, floor);
        },
      };
      const { report } = await runSuites([rates], options());
      const [ours, floor] = report.results;
      assert.equal(ours!.perSecond, 50_000);
      assert.equal(ours!.messages, 1_000);
      assert.equal(ours!.medianUs, 20_000);
      assert.equal(floor!.perSecond, 200_000);
      assert.equal(report.ratios['throughput_vs_floor'], 0.25);
      assert.ok(printed.some((line) => line.includes('50000')));
    });

    it('rejects a rate comparison of a latency measurement, naming it', () => {
      const latency = { suite: 's', name: 'lat', iterations: 1, medianUs: 1, p99Us: 1, meanUs: 1, params: {} };
      const rate = { ...latency, name: 'tp', messages: 10, perSecond: 100 };
      assert.throws(() => rateRatio(latency, rate), /s\/lat has no rate/);
      assert.equal(rateRatio(rate, { ...rate, perSecond: 400 }), 0.25);
      assert.equal(medianRatio({ ...latency, medianUs: 3 }, { ...latency, medianUs: 2 }), 1.5);
      assert.throws(() => medianRatio(latency, { ...latency, medianUs: 0 }), /median of s\/lat is 0/);
    });
  });

  describe('merging with the previous report', () => {
    it('drops the ratios of a rerun suite that it no longer produces, keeps those of suites not run', async () => {
      const a = suite('a', [['a_ratio', 'x', 'y']]);
      const b = suite('b', [['b_ratio', 'x', 'y']]);
      await runSuites([a, b], options());
      assert.deepEqual(Object.keys(read().ratios).sort(), ['a_ratio', 'b_ratio']);

      const aWithout = suite('a');
      await runSuites([aWithout, b], options({ only: ['a'] }));
      assert.deepEqual(read().ratios, { b_ratio: 0.5 });
    });

    it('keeps the figures of suites not run, and replaces those of a rerun suite', async () => {
      const figures = (name: string, values: Record<string, number>): Suite => ({
        name,
        run: (context) => {
          for (const [key, value] of Object.entries(values)) context.figure(key, value);
          return Promise.resolve();
        },
      });
      await runSuites([figures('a', { a_KiB: 1 }), figures('b', { b_ms: 2 })], options());
      await runSuites([figures('a', { a_other: 3 }), figures('b', {})], options({ only: ['a'] }));
      assert.deepEqual(read().figures, { b_ms: 2, a_other: 3 });
      assert.deepEqual(read().figureSuites, { b_ms: 'b', a_other: 'a' });
    });
  });

  describe('quantile', () => {
    it('is the nearest-rank value, whatever the order of the values', () => {
      assert.equal(quantile([3, 1, 2], 0.5), 2);
      assert.equal(quantile([4, 1, 3, 2], 0.5), 2);
      assert.equal(quantile([5], 0.5), 5);
      assert.equal(quantile([10, 20, 30, 40], 1), 40);
      assert.equal(
        quantile(
          Array.from({ length: 100 }, (_, i) => 100 - i),
          0.99,
        ),
        99,
      );
    });

    it('refuses no values, saying which quantile was asked for', () => {
      assert.throws(() => quantile([], 0.5), /no values to take the quantile 0.5 of/);
    });
  });

  it('rejects an unknown suite name, listing the suites', async () => {
    await assert.rejects(
      runSuites([suite('a')], options({ only: ['nope'] })),
      /unknown suite\(s\) nope; suites are: a/,
    );
  });
});
