import 'reflect-metadata';
import { createEmbedded } from '@praas/embedded';
import { Mapper } from './mapper.process';
import { WordReducer } from './reducer.process';
import { runWordCount } from './run-wordcount';
import { generateText, referenceCount } from './text';

/** `npm run demo --workspace @praas/sample-wordcount`: MapReduce word count, embedded, checked against a reference. */
async function main(): Promise<void> {
  const praas = await createEmbedded({ processes: [Mapper, WordReducer] });
  console.log(`praas embedded stack up (swap store: ${praas.swapLocation})`);
  const text = generateText({ seed: 7, words: 20_000 });
  try {
    const run = await runWordCount(
      praas,
      { text, mappers: 4, reducers: 3, chunksPerMapper: 2 },
      {
        afterRound: async (round, { app, reducers }) => {
          if (round !== 0) return;
          const info = await praas.swapProcess(app, reducers[0]!);
          console.log(
            `  after the first round of chunks: swapped out ${info.pid} (${info.status}); words sent to it now wait in its backup queue`,
          );
        },
      },
    );
    console.log(
      `  ${run.words} words, ${run.messages} messages: map ${run.mapMs.toFixed(0)} ms, fold ${run.foldMs.toFixed(0)} ms, collect ${run.collectMs.toFixed(0)} ms`,
    );
    const top = [...run.counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 5);
    console.log(`  most frequent: ${top.map(([w, n]) => `${w} ${n}`).join(', ')}`);
    const reference = referenceCount(text);
    const same = reference.size === run.counts.size && [...reference].every(([w, n]) => run.counts.get(w) === n);
    console.log(
      same ? `counts equal the reference (${reference.size} distinct words)` : 'COUNTS DIFFER FROM THE REFERENCE',
    );
    if (!same) process.exitCode = 1;
  } finally {
    await praas.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
