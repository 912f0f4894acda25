import assert from 'node:assert/strict';
import { gaussian, mixSeed, mulberry32 } from '../src';

describe('samples-shared: prng', () => {
  it('mulberry32 repeats its sequence for a seed and differs between seeds', () => {
    const a = mulberry32(1);
    const b = mulberry32(1);
    const c = mulberry32(2);
    const first = Array.from({ length: 5 }, () => a());
    assert.deepEqual(
      first,
      Array.from({ length: 5 }, () => b()),
    );
    assert.notDeepEqual(
      first,
      Array.from({ length: 5 }, () => c()),
    );
    assert.ok(first.every((x) => x >= 0 && x < 1));
  });

  it('mulberry32 gives the reference sequence (integer arithmetic, the same on every platform)', () => {
    const random = mulberry32(1);
    assert.deepEqual([random(), random(), random()], [0.6270739405881613, 0.002735721180215478, 0.5274470399599522]);
  });

  it('mixSeed gives distinct 32-bit seeds for distinct indexes', () => {
    const seeds = new Set(Array.from({ length: 1_000 }, (_, i) => mixSeed(7, i)));
    assert.equal(seeds.size, 1_000);
    for (const s of seeds) assert.ok(Number.isInteger(s) && s >= 0 && s < 2 ** 32);
  });

  it('gaussian samples have mean about 0 and variance about 1', () => {
    const random = mulberry32(42);
    const n = 20_000;
    const xs = Array.from({ length: n }, () => gaussian(random));
    const mean = xs.reduce((s, x) => s + x, 0) / n;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / n;
    assert.ok(Math.abs(mean) < 0.05, `mean ${mean}`);
    assert.ok(Math.abs(variance - 1) < 0.05, `variance ${variance}`);
  });
});
