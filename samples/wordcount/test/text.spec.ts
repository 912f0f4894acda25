import assert from 'node:assert/strict';
import { generateText, reducerIndex, referenceCount, splitChunks, tokenize } from '../src';

describe('wordcount: text, tokens, chunks', () => {
  it('generates the same text for a seed, with punctuation, capitals and skewed frequencies', () => {
    const a = generateText({ seed: 3, words: 2_000 });
    assert.equal(a, generateText({ seed: 3, words: 2_000 }));
    assert.notEqual(a, generateText({ seed: 4, words: 2_000 }));
    assert.match(a, /[A-Z]/);
    assert.match(a, /[.,]/);
    assert.equal(tokenize(a).length, 2_000);
    const counts = [...referenceCount(a).values()].sort((x, y) => y - x);
    assert.ok(counts[0]! > 20 * counts[counts.length - 1]!, 'a few words are much more common than most');
  });

  it('tokenises to lower-case runs of letters and digits', () => {
    assert.deepEqual(tokenize('The cat, the HAT.\nR2-d2 (x)'), ['the', 'cat', 'the', 'hat', 'r2', 'd2', 'x']);
    assert.deepEqual(
      referenceCount('a A b. a'),
      new Map([
        ['a', 3],
        ['b', 1],
      ]),
    );
    assert.deepEqual(tokenize(' ,. '), []);
  });

  it('splits into chunks at whitespace that together hold exactly the text', () => {
    const text = generateText({ seed: 9, words: 1_000 });
    for (const n of [1, 3, 8, 1_500]) {
      const chunks = splitChunks(text, n);
      assert.equal(chunks.length, n);
      assert.equal(chunks.join(''), text);
      assert.equal(chunks.flatMap(tokenize).length, 1_000, `${n} chunks cut no word`);
    }
  });

  it('sends a word to the same reducer every time, and spreads words over reducers', () => {
    assert.equal(reducerIndex('praas', 5), reducerIndex('praas', 5));
    const used = new Set(tokenize(generateText({ seed: 1, words: 500 })).map((w) => reducerIndex(w, 4)));
    assert.deepEqual([...used].sort(), [0, 1, 2, 3]);
  });
});
