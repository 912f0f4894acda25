import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ApplicationNotFoundError } from '@praas/framework/internal';
import type { ControlPlane } from '@praas/gateway';
import {
  referenceKMeans,
  resolveOptions,
  runKMeans,
  type KMeansOptions,
  type KMeansOutcome,
} from '@praas/sample-kmeans';
import { processBackend, runLatexDemo, runLatexWorkload, StatelessLatex } from '@praas/sample-latex-service';
import { generateText, referenceCount, runWordCount, type ReducerStatus } from '@praas/sample-wordcount';
import { s3Environment, startStack, type HostProcess, type Stack } from '../src';

/** The compiled module of a sample, as a host's PRAAS_MODULE: it exports the sample's `@Process` classes. */
const moduleOf = (sample: string): string => require.resolve(`@praas/sample-${sample}`);
// Unique per run: a server given by PRAAS_NATS_URL keeps the registry of earlier runs.
const RUN = Date.now().toString(36);

/**
 * The samples on the real stack (DESIGN §9): nats-server, an S3 endpoint, runtime hosts as OS
 * processes serving each sample's compiled module, and a ControlPlane in this process that finds
 * the hosts through the registry, as the gateway's NATS backend does. Each sample's scenario runs
 * unchanged against that control plane and is checked as its unit tests check it on the embedded stack.
 */
describe('samples on nats-server, S3 and runtime hosts as OS processes', function () {
  let stack: Stack;
  let plane: ControlPlane;

  /** Starts `count` hosts of application `app` running the sample's module, swapping to a bucket of the application's own. */
  const spawnHosts = (sample: string, app: string, count: number): Promise<HostProcess[]> => {
    const env = {
      ...s3Environment(stack.s3, `${app}-${randomBytes(3).toString('hex')}`),
      // Fresh load figures in the registry, so placement sees the processes created a moment ago.
      PRAAS_HEARTBEAT_MS: '200',
    };
    return Promise.all(
      Array.from({ length: count }, (_, i) =>
        stack.spawnHost({ app, hostId: `${app}-host-${i}`, modulePath: moduleOf(sample), env }),
      ),
    );
  };

  /** The hosts that hold the application's active processes right now. */
  const holders = async (app: string): Promise<Set<string>> =>
    new Set(
      (await plane.listProcesses(app)).flatMap((p) => (p.status === 'active' && p.host !== undefined ? [p.host] : [])),
    );

  before(async function () {
    stack = await startStack({ name: 'samples-stack', s3: true, controlApp: 'samples', killHosts: true });
    ({ plane } = stack.side);
  });

  after(async function () {
    await stack?.stop();
  });

  describe('latex-service', function () {
    const app = `latex-${RUN}`;

    before(async function () {
      await spawnHosts('latex-service', app, 1);
    });

    it('runs the document scenario: full compile, one rebuild after an edit, none after a swap to S3', async function () {
      const lines: string[] = [];
      const result = await runLatexDemo(plane, (l) => lines.push(l), app);
      assert.equal(result.firstCompile.rebuilt.length, 3);
      assert.deepEqual(result.afterEdit.rebuilt, ['02-design.md']);
      assert.deepEqual(result.afterSwap.rebuilt, []);
      assert.equal(result.afterSwap.reused.length, 3);
      assert.match(result.output.html, /sticky sessions/);
      assert.equal(result.output.upToDate, true);
      assert.ok(lines.some((l) => /swap out paper-praas -> swapped \(generation 1\)/.test(l)));
      assert.ok(lines.some((l) => /no file '99-missing.md'/.test(l)));
      assert.ok(lines.some((l) => /invalid file name "..\/etc\/passwd"/.test(l)));
    });

    it('gives the same documents and rebuild counts as StatelessLatex on the same S3 endpoint', async function () {
      await plane.getApp(app).catch(() => plane.createApp(app));
      const options = { projects: 2, files: 4, fileChars: 1_500, rounds: 3, editsPerRound: 2 };
      const stateless = new StatelessLatex({
        ...stack.s3,
        bucket: `latex-stateless-${randomBytes(3).toString('hex')}`,
      });
      try {
        const expected = await runLatexWorkload(stateless, options);
        for (const project of expected.projects) await plane.createProcess(app, { pid: project });
        const stateful = await runLatexWorkload(processBackend(plane, app), options);
        assert.deepEqual([...stateful.rebuiltPerCompile].sort(), [2, 2, 2, 2, 2, 2, 4, 4]);
        assert.deepEqual([...expected.rebuiltPerCompile].sort(), [2, 2, 2, 2, 2, 2, 4, 4]);
        for (const project of expected.projects) {
          const processOutput = await plane.invoke<{ html: string }>(app, 'fetchOutput', null, { pid: project });
          assert.equal(processOutput.html, (await stateless.fetchOutput(project)).html, project);
        }
        // A swapped-out project is swapped in by its next request with its fragment cache.
        await plane.swapProcess(app, expected.projects[0]!);
        const report = await processBackend(plane, app).compile(expected.projects[0]!);
        assert.deepEqual(report.rebuilt, []);
        assert.equal(report.reused.length, 4);
      } finally {
        stateless.close();
      }
    });
  });

  describe('kmeans on two hosts', function () {
    const app = `kmeans-${RUN}`;
    const options: KMeansOptions = { workers: 4, epochs: 4, points: 6_000, k: 6, seed: 11 };
    const { spec, k, epochs } = resolveOptions(options);
    const reference = referenceKMeans(spec, k, epochs);

    const assertMatchesReference = (run: KMeansOutcome): void => {
      assert.equal(run.centroids.length, reference.centroids.length);
      reference.centroids.forEach((v, i) =>
        assert.ok(
          Math.abs(v - run.centroids[i]!) <= 1e-9,
          `centroid value ${i}: ${run.centroids[i]} vs reference ${v}`,
        ),
      );
      reference.inertia.forEach((v, e) =>
        assert.ok(Math.abs(v - run.inertia[e]!) <= 1e-9 * v, `inertia of epoch ${e + 1}: ${run.inertia[e]} vs ${v}`),
      );
    };

    before(async function () {
      await spawnHosts('kmeans', app, 2);
    });

    it('matches the single-process reference to 1e-9 with the processes spread over both hosts', async function () {
      let spread = new Set<string>();
      const run = await runKMeans(
        plane,
        options,
        {
          afterEpoch: async (epoch) => {
            if (epoch === 1) spread = await holders(app);
          },
        },
        app,
      );
      assertMatchesReference(run);
      assert.equal(run.epochMs.length, epochs);
      assert.equal(spread.size, 2, `processes held by ${[...spread].join(', ')}`);
      await assert.rejects(plane.getApp(app), ApplicationNotFoundError, 'the run deletes its application');
    });

    it('converges to the same result when workers and the reducer are swapped out between epochs', async function () {
      const swapped: string[] = [];
      const run = await runKMeans(
        plane,
        options,
        {
          afterEpoch: async (epoch, { workers, reducer }) => {
            const victims = epoch === 1 ? [workers[0]!, workers[2]!] : epoch === 2 ? [reducer, workers[3]!] : [];
            for (const pid of victims) {
              const info = await plane.swapProcess(app, pid);
              assert.equal(info.status, 'swapped');
              swapped.push(`${epoch}:${pid}@${info.generation}`);
            }
            const reduced = await plane.invoke<{ epochsReduced: number }>(app, 'progress', null, { pid: reducer });
            assert.equal(reduced.epochsReduced, epoch, 'one reduction per epoch, kept across swaps');
          },
        },
        app,
      );
      assert.deepEqual(swapped, ['1:worker-0@1', '1:worker-2@1', '2:reducer@1', '2:worker-3@1']);
      assertMatchesReference(run);
    });
  });

  describe('wordcount on two hosts', function () {
    const app = `wordcount-${RUN}`;
    const text = generateText({ seed: 21, words: 8_000 });
    const reference = referenceCount(text);

    before(async function () {
      await spawnHosts('wordcount', app, 2);
    });

    it('counts exactly like the reference when a reducer is swapped out mid-run', async function () {
      const seen: string[] = [];
      let spread = new Set<string>();
      const run = await runWordCount(
        plane,
        { text, mappers: 3, reducers: 3, chunksPerMapper: 3 },
        {
          afterRound: async (round, { reducers }) => {
            const r0 = reducers[0]!;
            if (round === 0) {
              spread = await holders(app);
              const before = await plane.invoke<ReducerStatus>(app, 'status', null, { pid: r0 });
              assert.ok(before.folded > 0, 'the reducer folded messages before it was swapped');
              const info = await plane.swapProcess(app, r0);
              seen.push(`swapped at generation ${info.generation}: ${info.status}`);
            } else {
              // Messages do not activate a process: what was sent to it since waits in its backup queue.
              seen.push(`after round ${round}: ${(await plane.getProcess(app, r0)).status}`);
            }
          },
        },
        app,
      );
      assert.deepEqual(seen, ['swapped at generation 1: swapped', 'after round 1: swapped', 'after round 2: swapped']);
      assert.equal(run.words, 8_000);
      assert.equal(run.messages, 8_000);
      assert.deepEqual(run.counts, reference);
      assert.equal(spread.size, 2, `processes held by ${[...spread].join(', ')}`);
    });

    it('counts the same with a combiner', async function () {
      const run = await runWordCount(plane, { text, mappers: 4, reducers: 2, combine: true }, {}, app);
      assert.ok(run.messages < 8_000);
      assert.deepEqual(run.counts, reference);
    });
  });
});
