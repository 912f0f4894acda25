import { randomBytes, randomFillSync } from 'node:crypto';
import http from 'node:http';
import { Client } from 'minio';
import { encode, Fn, MemoryRegistry, MemoryTransport, Process, State } from '@praas/framework/internal';
import type { S3Service } from '@praas/integration';
import {
  DEFAULT_CHUNK_BYTES,
  RuntimeHost,
  S3SwapStore,
  S3_SINGLE_PUT_LIMIT,
  type SnapshotRepositoryOptions,
} from '@praas/runtime';
import { startS3InChild } from './s3-child';

/** Timing of one measured operation, in microseconds. */
export interface TimingStats {
  readonly n: number;
  readonly median_us: number;
  readonly p99_us: number;
  readonly mean_us: number;
  readonly min_us: number;
}

/** What the swap suite reports: timings per operation and size, ratios to the raw object-store transfer, memory. */
export interface SwapBenchReport {
  readonly results: Record<string, TimingStats>;
  /** The raw samples behind `results`, in nanoseconds, for the benchmark runner. */
  readonly samplesNs: Record<string, number[]>;
  readonly ratios: Record<string, number>;
  readonly extra: {
    readonly endpoint: string;
    readonly endpointKind: string;
    readonly chunkBytes: number;
    readonly concurrency: number;
    /** Peak growth during the swap of the largest state, in bytes, sampled from process.memoryUsage(). */
    readonly memory: Record<string, number>;
  };
}

export interface SwapBenchOptions {
  /** Fewer iterations. */
  readonly quick: boolean;
  /** An endpoint to use instead of starting one in a child process. */
  readonly s3?: S3Service;
  /** Chunk size and parallelism of the snapshot repository (defaults: 8 MiB, 4). */
  readonly snapshots?: SnapshotRepositoryOptions;
}

@Process({ name: 'Blob', idleTimeoutMs: 0 })
class Blob {
  @State() data = new Float64Array(0);

  @Fn()
  fill(bytes: number): number {
    this.data = new Float64Array(bytes / 8);
    randomFillSync(this.data);
    return this.data.byteLength;
  }
}

const KiB = 1024;
const MiB = 1024 * KiB;
const SIZES: [string, number][] = [
  ['1KiB', KiB],
  ['1MiB', MiB],
  ['10MiB', 10 * MiB],
  ['100MiB', 100 * MiB],
];

function iterations(bytes: number, quick: boolean): number {
  if (bytes >= 100 * MiB) return quick ? 3 : 7;
  if (bytes >= 10 * MiB) return quick ? 5 : 15;
  return quick ? 10 : 40;
}

function stats(samplesNs: bigint[]): TimingStats {
  const us = samplesNs.map((n) => Number(n) / 1_000).sort((a, b) => a - b);
  const at = (q: number): number => us[Math.min(us.length - 1, Math.ceil(q * us.length) - 1)]!;
  const round = (v: number): number => Math.round(v * 10) / 10;
  return {
    n: us.length,
    median_us: round(us.length % 2 ? us[(us.length - 1) / 2]! : (us[us.length / 2 - 1]! + us[us.length / 2]!) / 2),
    p99_us: round(at(0.99)),
    mean_us: round(us.reduce((a, b) => a + b, 0) / us.length),
    min_us: round(us[0]!),
  };
}

async function timed(run: () => Promise<unknown>): Promise<bigint> {
  const start = process.hrtime.bigint();
  await run();
  return process.hrtime.bigint() - start;
}

/** Samples memory while `run` runs; returns the largest growth over the level before it. */
async function peakGrowth(run: () => Promise<unknown>): Promise<{ rss: number; arrayBuffers: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage();
  let rss = before.rss;
  let arrayBuffers = before.arrayBuffers;
  const sample = (): void => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    arrayBuffers = Math.max(arrayBuffers, m.arrayBuffers);
  };
  const timer = setInterval(sample, 1);
  try {
    await run();
    sample();
  } finally {
    clearInterval(timer);
  }
  return { rss: rss - before.rss, arrayBuffers: arrayBuffers - before.arrayBuffers };
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    stream.on('data', (b: Buffer) => parts.push(b));
    stream.on('error', reject);
    stream.on('end', () => resolve(Buffer.concat(parts)));
  });
}

/**
 * Swap time vs state size vs raw object-store transfer (DESIGN §8): swap-out and swap-in of a
 * process whose state is one Float64Array of 1 KiB to 100 MiB, against one plain putObject /
 * getObject of the same number of bytes with the minio client on the same endpoint; plus the peak
 * extra memory while the 100 MiB state is swapped.
 */
export async function runSwapBench(options: SwapBenchOptions): Promise<SwapBenchReport> {
  const s3 = options.s3 ?? (await startS3InChild());
  const bucket = `bench-swap-${randomBytes(4).toString('hex')}`;
  const store = new S3SwapStore({ ...s3, bucket, requestTimeoutMs: 120_000 });
  const url = new URL(s3.endpoint);
  const agent = new http.Agent({ keepAlive: true });
  // The raw baseline: one PUT / GET of the whole state, on an equally configured client.
  const raw = new Client({
    endPoint: url.hostname,
    port: Number(url.port || 80),
    useSSL: url.protocol === 'https:',
    accessKey: s3.accessKey,
    secretKey: s3.secretKey,
    region: 'us-east-1',
    partSize: S3_SINGLE_PUT_LIMIT,
    transportAgent: agent,
  });
  const transport = new MemoryTransport();
  const registry = new MemoryRegistry();
  const snapshots = {
    chunkBytes: options.snapshots?.chunkBytes ?? DEFAULT_CHUNK_BYTES,
    concurrency: options.snapshots?.concurrency ?? 4,
  };
  const host = new RuntimeHost({
    app: 'bench',
    processes: [Blob],
    transport,
    registry,
    store,
    snapshots,
    heartbeatMs: 60_000,
  });
  const results: Record<string, TimingStats> = {};
  const samplesNs: Record<string, number[]> = {};
  const ratios: Record<string, number> = {};
  const memory: Record<string, number> = {};
  try {
    await host.start();
    await store.list(''); // creates the bucket
    for (const [label, bytes] of SIZES) {
      const pid = `blob-${label}`;
      await host.create(pid, 'Blob');
      const filled = await host.local(pid)!.handle({
        t: 'inv',
        id: `fill-${label}`,
        from: 'bench',
        fn: 'fill',
        data: encode(bytes),
      });
      if (!filled.ok) throw new Error(`filling ${label} of state failed: ${filled.error.message}`);
      const payload = randomBytes(bytes);
      const rawKey = `raw/${label}`;
      const out: bigint[] = [];
      const into: bigint[] = [];
      const put: bigint[] = [];
      const get: bigint[] = [];
      const n = iterations(bytes, options.quick);
      for (let i = -1; i < n; i++) {
        // Iteration -1 warms connections and code paths and is not counted.
        const o = await timed(() => host.swapOut(pid));
        // The clean-up of older generations runs after swap-out returns; let it finish so that it
        // does not share the endpoint with the swap-in being measured.
        await host.snapshots.idle();
        const g = await timed(() => host.activate(pid));
        const p = await timed(() => raw.putObject(bucket, rawKey, payload, payload.byteLength));
        const r = await timed(async () => readAll(await raw.getObject(bucket, rawKey)));
        if (i < 0) continue;
        out.push(o);
        into.push(g);
        put.push(p);
        get.push(r);
      }
      results[`swapout_${label}`] = stats(out);
      results[`swapin_${label}`] = stats(into);
      results[`raw_put_${label}`] = stats(put);
      results[`raw_get_${label}`] = stats(get);
      for (const [name, samples] of [
        ['swapout', out],
        ['swapin', into],
        ['raw_put', put],
        ['raw_get', get],
      ] as const) {
        samplesNs[`${name}_${label}`] = samples.map(Number);
      }
      ratios[`swapout_vs_raw_put_${label}`] =
        Math.round((results[`swapout_${label}`]!.median_us / results[`raw_put_${label}`]!.median_us) * 100) / 100;
      ratios[`swapin_vs_raw_get_${label}`] =
        Math.round((results[`swapin_${label}`]!.median_us / results[`raw_get_${label}`]!.median_us) * 100) / 100;
      if (bytes === 100 * MiB) {
        const swapOut = await peakGrowth(() => host.swapOut(pid));
        await host.snapshots.idle();
        const swapIn = await peakGrowth(() => host.activate(pid));
        memory['swapout_peak_rss_bytes'] = swapOut.rss;
        memory['swapout_peak_array_buffers_bytes'] = swapOut.arrayBuffers;
        memory['swapin_peak_rss_bytes'] = swapIn.rss;
        memory['swapin_peak_array_buffers_bytes'] = swapIn.arrayBuffers;
        const ratio = (v: number): number => Math.round((v / bytes) * 100) / 100;
        ratios['peak_extra_mem_swapout_100MiB'] = ratio(Math.max(swapOut.rss, swapOut.arrayBuffers));
        // Swap-in ends with the state itself in memory (1x); the extra is what comes on top of it.
        ratios['peak_extra_mem_swapin_100MiB'] = ratio(Math.max(swapIn.rss, swapIn.arrayBuffers) - bytes);
      }
      await host.delete(pid);
      await raw.removeObject(bucket, rawKey);
    }
  } finally {
    await host.stop({ swapOut: false });
    await registry.close();
    await transport.close();
    await store.delete(await store.list('')).catch(() => undefined);
    await raw.removeBucket(bucket).catch(() => undefined);
    store.close();
    agent.destroy();
    if (!options.s3) await s3.stop();
  }
  return {
    results,
    samplesNs,
    ratios,
    extra: {
      endpoint: s3.endpoint,
      endpointKind: s3.kind,
      chunkBytes: snapshots.chunkBytes,
      concurrency: snapshots.concurrency,
      memory,
    },
  };
}
