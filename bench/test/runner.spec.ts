import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSuites, type BenchReport, type Suite } from '../src/runner';

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

describe('bench runner', () => {
  let dir: string;
  let output: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'praas-bench-runner-'));
    output = join(dir, 'latest.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const read = (): BenchReport => JSON.parse(readFileSync(output, 'utf8')) as BenchReport;

  describe('merging with the previous report', () => {
    it('drops the ratios of a rerun suite that it no longer produces, keeps those of suites not run', async () => {
      const a = suite('a', [['a_ratio', 'x', 'y']]);
      const b = suite('b', [['b_ratio', 'x', 'y']]);
      await runSuites([a, b], { quick: true, output });
      assert.deepEqual(Object.keys(read().ratios).sort(), ['a_ratio', 'b_ratio']);

      const aWithout = suite('a');
      await runSuites([aWithout, b], { quick: true, only: ['a'], output });
      assert.deepEqual(read().ratios, { b_ratio: 0.5 });
    });
  });
});
