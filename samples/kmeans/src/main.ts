import 'reflect-metadata';
import { createEmbedded } from '@praas/embedded';
import { runDemoScript } from '@praas/samples-shared';
import { referenceKMeans } from './kmeans-math';
import { kmeansProcesses, resolveOptions, runKMeans } from './run-kmeans';

const options = { workers: 4, epochs: 6, points: 20_000, k: 8 };

/** `npm run demo --workspace @praas/sample-kmeans`: distributed k-means, embedded, checked against the reference. */
void runDemoScript(
  () => createEmbedded({ processes: kmeansProcesses(options.workers) }),
  async (praas, print) => {
    const run = await runKMeans(praas, options, {
      afterEpoch: async (epoch, { app, workers, reducer }) => {
        if (epoch !== 3) return;
        for (const pid of [workers[1]!, reducer]) {
          const info = await praas.swapProcess(app, pid);
          print(`after epoch 3: swapped out ${pid} (${info.status}); the next epoch swaps it back in`);
        }
      },
    });
    run.inertia.forEach((inertia, e) =>
      print(`epoch ${e + 1}: inertia ${inertia.toFixed(3)}, ${run.epochMs[e]!.toFixed(1)} ms`),
    );
    const { spec, k, epochs } = resolveOptions(options);
    const reference = referenceKMeans(spec, k, epochs);
    let worst = 0;
    reference.centroids.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - run.centroids[i]!))));
    print(
      `${options.workers} workers, ${options.points} points x 28 features, k = ${k}; setup ${run.setupMs.toFixed(0)} ms`,
    );
    console.log(`largest difference to the single-process reference: ${worst.toExponential(2)}`);
    return worst <= 1e-9;
  },
);
