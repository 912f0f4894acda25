/**
 * Standalone entry of the swap benchmark: `node --expose-gc bench/dist/src/swap-main.js [--quick]`.
 * Prints a table and writes bench/results/swap.json. PRAAS_BENCH_CHUNK_MIB and
 * PRAAS_BENCH_CONCURRENCY override the snapshot chunk size and parallelism.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runSwapBench } from './suites/swap.bench';

function positive(name: string): number | undefined {
  const value = process.env[name];
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0))
    throw new Error(`${name} must be a positive number, got ${JSON.stringify(value)}`);
  return n;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const chunkMiB = positive('PRAAS_BENCH_CHUNK_MIB');
  const concurrency = positive('PRAAS_BENCH_CONCURRENCY');
  const report = await runSwapBench({
    quick,
    snapshots: {
      ...(chunkMiB ? { chunkBytes: Math.round(chunkMiB * 1024 * 1024) } : {}),
      ...(concurrency ? { concurrency } : {}),
    },
  });
  const ms = (us: number): string => (us / 1000).toFixed(2).padStart(9);
  console.log(
    `swap benchmark (${quick ? 'quick' : 'full'}) against ${report.extra.endpointKind} ${report.extra.endpoint}`,
  );
  console.log(`chunks of ${report.extra.chunkBytes / 1024 / 1024} MiB, ${report.extra.concurrency} in parallel\n`);
  console.log(`${'operation'.padEnd(20)} ${'median ms'.padStart(9)} ${'p99 ms'.padStart(9)} ${'n'.padStart(4)}`);
  for (const [name, s] of Object.entries(report.results)) {
    console.log(`${name.padEnd(20)} ${ms(s.median_us)} ${ms(s.p99_us)} ${String(s.n).padStart(4)}`);
  }
  console.log('');
  for (const [name, r] of Object.entries(report.ratios)) console.log(`${name.padEnd(34)} ${r.toFixed(2).padStart(7)}`);
  if (!(globalThis as { gc?: unknown }).gc) console.log('\n(run node with --expose-gc for steadier memory figures)');
  const dir = join(__dirname, '..', '..', 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'swap.json'), `${JSON.stringify({ suite: 'swap', quick, ...report }, null, 2)}\n`);
  console.log(`\nwritten to ${join(dir, 'swap.json')}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
