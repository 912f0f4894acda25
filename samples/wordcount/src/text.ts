import { mulberry32 } from '@praas/samples-shared';

const ONSETS = ['b', 'c', 'd', 'f', 'g', 'h', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'w', 'st', 'tr', 'pl', 'qu'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'ou'];
const CODAS = ['', '', 'n', 'r', 's', 'th', 'nd', 'x'];

/** Shape of a generated text. */
export interface TextSpec {
  readonly seed: number;
  /** Words in the text. */
  readonly words: number;
  /** Distinct words it draws from (default 2 000). */
  readonly vocabulary?: number;
}

/** The vocabulary of a spec: distinct pseudo-words made of syllables. */
export function vocabularyOf(spec: TextSpec): string[] {
  const random = mulberry32(spec.seed ^ 0x5eed);
  const size = spec.vocabulary ?? 2_000;
  const words = new Set<string>();
  const pick = (list: readonly string[]): string => list[Math.floor(random() * list.length)]!;
  while (words.size < size) {
    const syllables = 1 + Math.floor(random() * 3);
    let word = '';
    for (let s = 0; s < syllables; s++) word += pick(ONSETS) + pick(VOWELS) + pick(CODAS);
    words.add(word);
  }
  return [...words];
}

/**
 * A deterministic text of `words` words in sentences: capitalised, with commas, full stops and
 * line breaks, so counting needs real tokenisation. Word frequencies are skewed like natural
 * language (a few words are very common, most are rare).
 */
export function generateText(spec: TextSpec): string {
  const vocabulary = vocabularyOf(spec);
  const random = mulberry32(spec.seed);
  const out: string[] = [];
  let sentence = 0;
  for (let i = 0; i < spec.words; i++) {
    let word = vocabulary[Math.floor(vocabulary.length * random() ** 3)]!;
    if (sentence === 0) word = word[0]!.toUpperCase() + word.slice(1);
    sentence++;
    const end = sentence > 4 && random() < 0.15;
    out.push(end ? `${word}.` : random() < 0.05 ? `${word},` : word);
    if (end) {
      sentence = 0;
      out.push(random() < 0.2 ? '\n' : ' ');
    } else out.push(' ');
  }
  return out.join('').trimEnd() + '\n';
}

/** Lower-cased runs of letters and digits: the words of a text, as message keys accept them. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
}

/** The reference: every word of `text` counted in one pass. */
export function referenceCount(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const word of tokenize(text)) counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}

/** Splits `text` into `n` chunks of similar length, at whitespace, so no word is cut. */
export function splitChunks(text: string, n: number): string[] {
  const chunks: string[] = [];
  let start = 0;
  for (let i = 1; i <= n; i++) {
    let end = i === n ? text.length : Math.max(start, Math.floor((text.length * i) / n));
    while (end < text.length && !/\s/.test(text[end]!)) end++;
    chunks.push(text.slice(start, end));
    start = end;
  }
  return chunks;
}

/** FNV-1a: the stable hash that sends a word to the same reducer on every mapper and every run. */
export function reducerIndex(word: string, reducers: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193) >>> 0;
  return h % reducers;
}
