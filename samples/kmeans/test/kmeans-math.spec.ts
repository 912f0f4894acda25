import assert from 'node:assert/strict';
import {
  generateRows,
  initialCentroids,
  partialSums,
  reduceParts,
  referenceKMeans,
  shardRange,
  updateCentroids,
  type DatasetSpec,
} from '../src';

describe('kmeans: data set and math', () => {
  const spec: DatasetSpec = { seed: 7, points: 1_000, blobs: 4 };

  it('generates the same points whatever the sharding, 28 features each', () => {
    const whole = generateRows(spec, 0, spec.points);
    assert.equal(whole.length, 1_000 * 28);
    for (const workers of [1, 3, 7]) {
      const parts = Array.from({ length: workers }, (_, w) =>
        generateRows(spec, ...shardRange(spec.points, workers, w)),
      );
      const joined = new Float64Array(whole.length);
      let at = 0;
      for (const p of parts) joined.set(p, (at += p.length) - p.length);
      assert.deepEqual(joined, whole, `${workers} workers`);
    }
    assert.deepEqual(shardRange(10, 3, 0), [0, 4]);
    assert.deepEqual(shardRange(10, 3, 2), [7, 10]);
    assert.throws(() => generateRows(spec, 5, 1_001), /not within the data set of 1000 points/);
  });

  it('sums shard partials in worker order whatever order they arrive in', () => {
    const centroids = initialCentroids(spec, 4);
    const parts = [0, 1, 2].map((worker) => ({
      worker,
      packed: partialSums(generateRows(spec, ...shardRange(spec.points, 3, worker)), 28, centroids),
    }));
    const inOrder = reduceParts(parts);
    assert.deepEqual(reduceParts([parts[2]!, parts[0]!, parts[1]!]), inOrder);
    const counts = [...inOrder.subarray(1, 5)];
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      1_000,
    );
    const single = partialSums(generateRows(spec, 0, spec.points), 28, centroids);
    single.forEach((v, i) => assert.ok(Math.abs(v - inOrder[i]!) <= 1e-9 * Math.max(1, Math.abs(v)), `value ${i}`));
    assert.throws(() => reduceParts([parts[0]!, { worker: 9, packed: new Float64Array(3) }]), /worker 9 sent 3 values/);
  });

  it('keeps the centroid of an empty cluster and lowers the inertia epoch by epoch', () => {
    const centroids = new Float64Array([1, 2, 3, 4]);
    const reduced = new Float64Array([10, 2, 0, 4, 6, 99, 99]);
    assert.deepEqual([...updateCentroids(centroids, 2, reduced).centroids], [2, 3, 3, 4]);
    const { inertia } = referenceKMeans(spec, 4, 6);
    for (let e = 1; e < inertia.length; e++) assert.ok(inertia[e]! <= inertia[e - 1]! + 1e-9, `epoch ${e + 1}`);
    assert.ok(inertia[5]! < inertia[0]!);
  });
});
