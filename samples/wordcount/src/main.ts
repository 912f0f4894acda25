import 'reflect-metadata';
import { createEmbedded } from '@praas/embedded';
import { runDemoScript } from '@praas/samples-shared';
import { Mapper } from './mapper.process';
import { WordReducer } from './reducer.process';
import { runWordCount } from './run-wordcount';
import { generateText, referenceCount } from './text';

/** `npm run demo --workspace @praas/sample-wordcount`: MapReduce word count, embedded, checked against a reference. */
void runDemoScript(
  () => createEmbedded({ processes: [Mapper, WordReducer] }),
  async (praas, print) => {
    const text = generateText({ seed: 7, words: 20_000 });
    const run = await runWordCount(
      praas,
      { text, mappers: 4, reducers: 3, chunksPerMapper: 2 },
      {
        afterRound: async (round, { app, reducers }) => {
          if (round !== 0) return;
          const info = await praas.swapProcess(app, reducers[0]!);
          print(
            `after the first round of chunks: swapped out ${info.pid} (${info.status}); words sent to it now wait in its backup queue`,
          );
        },
      },
    );
    print(
      `${run.words} words, ${run.messages} messages: map ${run.mapMs.toFixed(0)} ms, fold ${run.foldMs.toFixed(0)} ms, collect ${run.collectMs.toFixed(0)} ms`,
    );
    const top = [...run.counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 5);
    print(`most frequent: ${top.map(([w, n]) => `${w} ${n}`).join(', ')}`);
    const reference = referenceCount(text);
    const same = reference.size === run.counts.size && [...reference].every(([w, n]) => run.counts.get(w) === n);
    console.log(
      same ? `counts equal the reference (${reference.size} distinct words)` : 'COUNTS DIFFER FROM THE REFERENCE',
    );
    return same;
  },
);
