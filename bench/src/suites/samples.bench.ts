import { randomBytes } from 'node:crypto';
import type { ControlPlane } from '@praas/gateway';
import {
  openControlSide,
  type ControlSide,
  spawnHost,
  startNats,
  startRedis,
  type HostProcess,
  type NatsService,
  type RedisService,
  type S3Service,
} from '@praas/integration';
import { runKMeans, runKMeansRedis, runKMeansS3, type KMeansOptions } from '@praas/sample-kmeans';
import {
  generateFile,
  processBackend,
  runLatexWorkload,
  StatelessLatex,
  type LatexBackend,
} from '@praas/sample-latex-service';
import type { Suite, SuiteContext } from '../runner';
import { startS3InChild } from './s3-child';

// Unique per run: a server given by PRAAS_NATS_URL keeps the registry of earlier runs.
const RUN = Date.now().toString(36);
const LATEX_APP = `bench-latex-${RUN}`;
const KMEANS_APP = `bench-kmeans-${RUN}`;
const moduleOf = (sample: string): string => require.resolve(`@praas/sample-${sample}`);
const FILES = 8;
const FILE_CHARS = 4_000;

const ms = (values: readonly number[]): number[] => values.map((v) => Math.round(v * 1e6));

/**
 * One request of a user of the document service: edit one file, compile (incrementally) and fetch
 * the output. Records the three parts separately and returns the whole.
 */
function editCompileFetch(
  backend: LatexBackend,
  project: string,
  parts: Record<'edit' | 'compile' | 'fetch', number[]>,
) {
  let round = 0;
  return async (): Promise<void> => {
    round++;
    const f = round % FILES;
    const name = `${String(f).padStart(2, '0')}-section.md`;
    const content = generateFile(round * 7919 + f, `Section ${f} (edit ${round})`, FILE_CHARS);
    let t = process.hrtime.bigint();
    const lap = (into: number[]): void => {
      const now = process.hrtime.bigint();
      into.push(Number(now - t));
      t = now;
    };
    await backend.updateFile(project, { name, content });
    lap(parts.edit);
    const report = await backend.compile(project);
    lap(parts.compile);
    if (report.rebuilt.length !== 1) throw new Error(`expected one rebuilt file, got [${report.rebuilt.join(', ')}]`);
    await backend.fetchOutput(project);
    lap(parts.fetch);
  };
}

async function latexRequests(context: SuiteContext, plane: ControlPlane, s3: S3Service): Promise<void> {
  const project = 'bench-project';
  const stateless = new StatelessLatex({ ...s3, bucket: `bench-latex-${randomBytes(3).toString('hex')}` });
  try {
    await plane.createApp(LATEX_APP);
    await plane.createProcess(LATEX_APP, { pid: project });
    const backends: [string, LatexBackend][] = [
      ['process', processBackend(plane, LATEX_APP)],
      ['stateless_s3', stateless],
    ];
    // The project's files and a full compile on both backends first.
    const setup = { projects: 1, files: FILES, fileChars: FILE_CHARS, rounds: 0, projectName: () => project };
    for (const [, backend] of backends) await runLatexWorkload(backend, setup);
    const parts = backends.map(() => ({ edit: [] as number[], compile: [] as number[], fetch: [] as number[] }));
    const iterations = context.quick ? 100 : 300;
    const params = { files: FILES, fileChars: FILE_CHARS };
    const [processCycle, statelessCycle] = await context.measureTogether(
      backends.map(([label, backend], i) => [`latex_request_${label}`, editCompileFetch(backend, project, parts[i]!)]),
      { iterations, warmup: context.quick ? 5 : 20, params },
    );
    context.ratio('latex_process_vs_stateless_s3', processCycle!, statelessCycle!);
    for (const part of ['edit', 'compile', 'fetch'] as const) {
      // The warm-up calls are in the arrays too: keep the timed ones only.
      const [processPart, statelessPart] = backends.map(([label], i) =>
        context.record(`latex_${part}_${label}`, parts[i]![part].slice(-iterations), params),
      );
      context.ratio(`latex_${part}_process_vs_stateless_s3`, processPart!, statelessPart!);
    }
  } finally {
    stateless.close();
    await plane.deleteApp(LATEX_APP).catch(() => undefined);
  }
}

async function kmeansEpochs(
  context: SuiteContext,
  plane: ControlPlane,
  s3: S3Service,
  redis: RedisService,
): Promise<void> {
  const options: KMeansOptions = context.quick
    ? { workers: 4, epochs: 5, points: 20_000, k: 8, seed: 2024 }
    : { workers: 4, epochs: 10, points: 100_000, k: 8, seed: 2024 };
  const repeats = context.quick ? 3 : 5;
  const epochs = { process: [] as number[], redis: [] as number[], s3: [] as number[] };
  const bucket = `bench-kmeans-${randomBytes(3).toString('hex')}`;
  // Interleaved, so drift of the machine hits all three alike.
  for (let r = 0; r < repeats; r++) {
    const processRun = await runKMeans(plane, options, {}, KMEANS_APP);
    const redisRun = await runKMeansRedis({ ...options, url: redis.url });
    const s3Run = await runKMeansS3({ ...options, s3: { ...s3, bucket } });
    if (processRun.inertia.some((v, e) => v !== redisRun.inertia[e] || v !== s3Run.inertia[e]))
      throw new Error('the k-means variants disagree on the inertia: the comparison would be meaningless');
    epochs.process.push(...processRun.epochMs);
    epochs.redis.push(...redisRun.epochMs);
    epochs.s3.push(...s3Run.epochMs);
  }
  const params = { workers: options.workers!, points: options.points!, k: options.k!, epochs: options.epochs! };
  const processM = context.record('kmeans_epoch_process', ms(epochs.process), params);
  const redisM = context.record('kmeans_epoch_redis', ms(epochs.redis), params);
  const s3M = context.record('kmeans_epoch_s3', ms(epochs.s3), params);
  context.ratio('kmeans_epoch_process_vs_redis', processM, redisM);
  context.ratio('kmeans_epoch_process_vs_s3', processM, s3M);
}

/**
 * The samples as the paper's applications (DESIGN §8), side by side in one run, on the real stack:
 * nats-server, an S3 endpoint in a child process, and runtime hosts as OS processes (one for the
 * document service, two for k-means) swapping to that S3 endpoint; the control plane runs here.
 * - LaTeX service: per-request latency of edit + incremental compile + fetch on a `Project`
 *   process vs the stateless `StatelessLatex` on the same S3 endpoint (and each part alone).
 * - k-means: time per epoch of worker processes all-reducing through a multi-source function vs
 *   stateless workers exchanging partials through Redis and through S3 (same data, same epochs).
 */
export const samplesSuite: Suite = {
  name: 'samples',
  async run(context) {
    let nats: NatsService | undefined;
    let s3: S3Service | undefined;
    let redis: RedisService | undefined;
    let side: ControlSide | undefined;
    const hosts: HostProcess[] = [];
    try {
      [nats, s3, redis] = await Promise.all([startNats(), startS3InChild(), startRedis()]);
      const env = {
        PRAAS_S3_ENDPOINT: s3.endpoint,
        PRAAS_S3_ACCESS_KEY: s3.accessKey,
        PRAAS_S3_SECRET_KEY: s3.secretKey,
        PRAAS_S3_BUCKET: `bench-swap-${randomBytes(3).toString('hex')}`,
      };
      const url = nats.url;
      const spawnOne = (app: string, sample: string, i: number): Promise<HostProcess> =>
        spawnHost({ natsUrl: url, app, hostId: `${app}-${i}`, modulePath: moduleOf(sample), env });
      hosts.push(
        ...(await Promise.all([
          spawnOne(LATEX_APP, 'latex-service', 0),
          spawnOne(KMEANS_APP, 'kmeans', 0),
          spawnOne(KMEANS_APP, 'kmeans', 1),
        ])),
      );
      side = await openControlSide(url, LATEX_APP, 'bench-samples');
      const { plane } = side;
      context.note(
        `real stack: nats-server (${nats.kind}), S3 (${s3.kind}) in a child process, Redis (${redis.kind}), ` +
          'runtime hosts as OS processes (1 for latex, 2 for k-means), control plane in the bench process',
      );
      await latexRequests(context, plane, s3);
      await kmeansEpochs(context, plane, s3, redis);
    } finally {
      for (const h of hosts) await h.kill();
      await side?.close();
      await redis?.stop();
      await s3?.stop();
      await nats?.stop();
    }
  },
};
