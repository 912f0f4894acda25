import assert from 'node:assert/strict';
import { createEmbedded, type EmbeddedPraas } from '@praas/embedded';
import {
  generateText,
  Mapper,
  referenceCount,
  runWordCount,
  splitChunks,
  tokenize,
  WordReducer,
  type ReducerStatus,
} from '../src';

describe('wordcount: MapReduce with a batch-triggered fold', function () {
  this.timeout(20_000);
  let praas: EmbeddedPraas;
  const text = generateText({ seed: 21, words: 8_000 });
  const reference = referenceCount(text);

  beforeEach(async () => {
    praas = await createEmbedded({ processes: [Mapper, WordReducer] });
  });
  afterEach(async () => {
    await praas.close();
  });

  it('counts every word exactly like the reference, one message per occurrence', async () => {
    const run = await runWordCount(praas, { text, mappers: 3, reducers: 4, chunksPerMapper: 2 });
    assert.equal(run.words, 8_000);
    assert.equal(run.messages, 8_000);
    assert.deepEqual(run.counts, reference);
  });

  it('counts the same with a combiner (one message per word and chunk)', async () => {
    const run = await runWordCount(praas, { text, mappers: 4, reducers: 2, combine: true });
    const distinctPerChunk = splitChunks(text, 8).map((chunk) => new Set(tokenize(chunk)).size);
    assert.equal(
      run.messages,
      distinctPerChunk.reduce((a, b) => a + b, 0),
    );
    assert.ok(run.messages < 8_000);
    assert.deepEqual(run.counts, reference);
  });

  it('keeps exact counts when a reducer is swapped out mid-run: queued messages are folded after swap-in', async () => {
    const seen: string[] = [];
    const run = await runWordCount(
      praas,
      { text, mappers: 3, reducers: 3, chunksPerMapper: 3 },
      {
        afterRound: async (round, { app, reducers }) => {
          const r0 = reducers[0]!;
          if (round === 0) {
            const before = await praas.invoke<ReducerStatus>(app, 'status', null, { pid: r0 });
            assert.ok(before.folded > 0, 'the reducer folded messages before it was swapped');
            const info = await praas.swapProcess(app, r0);
            seen.push(`swapped at generation ${info.generation}: ${info.status}`);
          } else {
            // Messages do not activate a process: everything sent to it since waits in its backup queue.
            seen.push(`after round ${round}: ${(await praas.getProcess(app, r0)).status}`);
          }
        },
      },
    );
    assert.deepEqual(seen, ['swapped at generation 1: swapped', 'after round 1: swapped', 'after round 2: swapped']);
    assert.deepEqual(run.counts, reference);
  });

  it('says what is wrong with a map request', async () => {
    await praas.createApp('wc-bad');
    const { pid } = await praas.createProcess('wc-bad', { processClass: 'Mapper' });
    await assert.rejects(
      praas.invoke('wc-bad', 'map', { chunk: 'a b', reducers: [] }, { pid }),
      /map expects \{ chunk/,
    );
    await assert.rejects(
      praas.invoke('wc-bad', 'map', { chunk: 'x'.repeat(200), reducers: ['r'] }, { pid }),
      /cannot be a message key: at most 128 characters/,
    );
  });
});
