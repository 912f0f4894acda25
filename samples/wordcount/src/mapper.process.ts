import { Fn, isValidName, Process, State, type Context } from '@praas/framework';
import { reducerIndex, tokenize } from './text';

/** The argument of `map`. */
export interface MapRequest {
  readonly chunk: string;
  /** Reducer pids; a word goes to `reducers[reducerIndex(word, reducers.length)]`. */
  readonly reducers: readonly string[];
  /** Count each word once per chunk and send the count (a combiner), instead of one message per occurrence. */
  readonly combine?: boolean;
}

/** What a `map` call did. */
export interface MapReport {
  readonly words: number;
  /** Messages sent to each reducer, in the order of `reducers`. */
  readonly messages: number[];
}

/**
 * A MapReduce mapper: tokenises a chunk of text and sends every word, as the message key, to the
 * `fold` function of the reducer its stable hash picks (`ctx.send(reducer, word, n, { fn: 'fold' })`).
 */
@Process({ name: 'Mapper' })
export class Mapper {
  @State() chunksMapped = 0;
  @State() wordsMapped = 0;

  @Fn()
  async map(request: MapRequest, ctx: Context): Promise<MapReport> {
    const { chunk } = request;
    const reducers: readonly string[] = request.reducers;
    if (typeof chunk !== 'string' || !Array.isArray(request.reducers) || reducers.length === 0)
      throw new Error('map expects { chunk: string, reducers: [pid, ...] }');
    const words = tokenize(chunk);
    // Words become message keys; tokens are letters and digits, so only their length can disqualify them.
    const invalid = words.find((w) => !isValidName(w));
    if (invalid !== undefined)
      throw new Error(`the word '${String(invalid).slice(0, 40)}...' cannot be a message key: at most 128 characters`);
    const emissions: [string, number][] = [];
    if (request.combine) {
      const counts = new Map<string, number>();
      for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
      emissions.push(...counts);
    } else for (const w of words) emissions.push([w, 1]);
    const messages = reducers.map(() => 0);
    // Sends to one reducer are accepted in order; sends to different reducers proceed side by side.
    await Promise.all(
      emissions.map(([word, n]) => {
        const r = reducerIndex(word, reducers.length);
        messages[r]!++;
        return ctx.send(reducers[r]!, word, n, { fn: 'fold' });
      }),
    );
    this.chunksMapped++;
    this.wordsMapped += words.length;
    return { words: words.length, messages };
  }
}
