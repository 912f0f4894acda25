import { performance } from 'node:perf_hooks';
import type { ControlPlaneApi } from '@praas/framework';
import type { MapReport, MapRequest } from './mapper.process';
import type { ReducerStatus } from './reducer.process';
import { generateText, splitChunks } from './text';

/** Shape of a word-count run. */
export interface WordCountOptions {
  /** Mapper processes (default 4). */
  mappers?: number;
  /** Reducer processes (default 3). */
  reducers?: number;
  /** Chunks each mapper maps, one after another (default 2). */
  chunksPerMapper?: number;
  /** The text to count; generated from `words` and `seed` when absent. */
  text?: string;
  /** Words of the generated text (default 20 000). */
  words?: number;
  seed?: number;
  /** Send each word once per chunk with its count instead of once per occurrence (default false). */
  combine?: boolean;
  /** How long to wait for the reducers to fold every message (default 30 000 ms). */
  foldTimeoutMs?: number;
}

/** The processes of a run, for hooks. */
export interface WordCountProcesses {
  readonly app: string;
  readonly mappers: string[];
  readonly reducers: string[];
}

/** Hooks into a run, e.g. to swap a reducer while mappers send. */
export interface WordCountHooks {
  /** Called after every mapper mapped its `round`-th chunk (0-based), before the next round. */
  afterRound?(round: number, processes: WordCountProcesses): Promise<void>;
}

/** A run's counts and timings (milliseconds). */
export interface WordCountRun {
  readonly counts: Map<string, number>;
  /** Words in the text. */
  readonly words: number;
  /** Messages the mappers sent to the reducers. */
  readonly messages: number;
  /** From the first map call to the last one answering (every message accepted). */
  readonly mapMs: number;
  /** From then until every reducer had folded everything sent to it. */
  readonly foldMs: number;
  /** Fetching and merging the reducers' counts. */
  readonly collectMs: number;
}

/**
 * MapReduce word count on any control plane: creates application `app` with `mappers` Mapper and
 * `reducers` WordReducer processes, maps the text's chunks (each mapper sends the words of its
 * chunk to reducers by a stable hash), waits until every reducer folded every message sent to it,
 * and merges the reducers' counts (their key sets are disjoint). Deletes the application at the end.
 */
export async function runWordCount(
  praas: ControlPlaneApi,
  options: WordCountOptions = {},
  hooks: WordCountHooks = {},
  app = 'wordcount',
): Promise<WordCountRun> {
  const mapperCount = options.mappers ?? 4;
  const reducerCount = options.reducers ?? 3;
  const rounds = options.chunksPerMapper ?? 2;
  const text = options.text ?? generateText({ seed: options.seed ?? 7, words: options.words ?? 20_000 });
  const chunks = splitChunks(text, mapperCount * rounds);
  await praas.createApp(app, { processClasses: ['Mapper', 'WordReducer'] });
  try {
    const create = (processClass: string, pid: string): Promise<string> =>
      praas.createProcess(app, { processClass, pid }).then((p) => p.pid);
    const reducers = await Promise.all(
      Array.from({ length: reducerCount }, (_, r) => create('WordReducer', `reducer-${r}`)),
    );
    const mappers = await Promise.all(Array.from({ length: mapperCount }, (_, m) => create('Mapper', `mapper-${m}`)));
    const processes: WordCountProcesses = { app, mappers, reducers };

    const mapStart = performance.now();
    const expected = reducers.map(() => 0);
    let words = 0;
    for (let round = 0; round < rounds; round++) {
      const reports = await Promise.all(
        mappers.map((pid, m) => {
          const request: MapRequest = {
            chunk: chunks[round * mapperCount + m]!,
            reducers,
            combine: options.combine ?? false,
          };
          return praas.invoke<MapReport>(app, 'map', request, { pid });
        }),
      );
      for (const report of reports) {
        words += report.words;
        report.messages.forEach((n, r) => (expected[r]! += n));
      }
      await hooks.afterRound?.(round, processes);
    }
    const mapMs = performance.now() - mapStart;

    // A status call swaps a swapped-out reducer back in; it then folds what waited in its backup queue.
    const foldStart = performance.now();
    const deadline = Date.now() + (options.foldTimeoutMs ?? 30_000);
    await Promise.all(
      reducers.map(async (pid, r) => {
        for (;;) {
          const status = await praas.invoke<ReducerStatus>(app, 'status', null, { pid });
          if (status.folded === expected[r]) return;
          if (status.folded > expected[r]!)
            throw new Error(`${pid} folded ${status.folded} messages but only ${expected[r]} were sent to it`);
          if (Date.now() > deadline)
            throw new Error(`${pid} folded ${status.folded} of the ${expected[r]} messages sent to it in time`);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }),
    );
    const foldMs = performance.now() - foldStart;

    const collectStart = performance.now();
    const counts = new Map<string, number>();
    for (const pid of reducers) {
      for (const [word, n] of await praas.invoke<Map<string, number>>(app, 'result', null, { pid })) {
        if (counts.has(word)) throw new Error(`'${word}' was counted by two reducers`);
        counts.set(word, n);
      }
    }
    const collectMs = performance.now() - collectStart;
    return { counts, words, messages: expected.reduce((a, b) => a + b, 0), mapMs, foldMs, collectMs };
  } finally {
    await praas.deleteApp(app);
  }
}
