import assert from 'node:assert/strict';
import { decode, encode, encodeParts } from '../../src/internal';

describe('encodeParts', () => {
  const big = 70_000;
  const samples: [string, ArrayBufferView][] = [
    ['Int8Array', new Int8Array(big).map((_, i) => i % 100)],
    ['Uint8Array', new Uint8Array(big).map((_, i) => i % 251)],
    ['Uint8ClampedArray', new Uint8ClampedArray(big).fill(7)],
    ['Int16Array', new Int16Array(big).map((_, i) => -i)],
    ['Uint16Array', new Uint16Array(big).map((_, i) => i)],
    ['Int32Array', new Int32Array(big).map((_, i) => i * 3)],
    ['Uint32Array', new Uint32Array(big).map((_, i) => i * 5)],
    ['Float32Array', new Float32Array(big).map((_, i) => i / 3)],
    ['Float64Array', new Float64Array(big).map((_, i) => i / 7)],
    ['BigInt64Array', new BigInt64Array(big).map((_, i) => BigInt(-i))],
    ['BigUint64Array', new BigUint64Array(big).map((_, i) => BigInt(i))],
    ['a view into a larger buffer', new Float64Array(new ArrayBuffer(8 * (big + 10)), 8 * 5, big)],
  ];
  for (const [name, value] of samples) {
    it(`gives exactly the bytes of encode for ${name}, split so the array is not copied`, () => {
      const parts = encodeParts(value, 'field', { copy: false });
      assert.equal(parts.length, 2);
      assert.equal(parts[1]!.buffer, value.buffer, 'the second part is a view of the array itself');
      assert.deepEqual(Buffer.concat(parts), Buffer.from(encode(value)));
      assert.deepEqual(decode(Buffer.concat(parts)), value);
    });
  }

  it('copies the bytes when asked, so later changes to the array do not reach the parts', () => {
    const value = new Float64Array(big).fill(1);
    const parts = encodeParts(value, 'field', { copy: true });
    value.fill(2);
    assert.deepEqual(decode(Buffer.concat(parts)), new Float64Array(big).fill(1));
  });

  it('encodes small arrays, Buffers and other values in one part', () => {
    for (const value of [
      new Float64Array(10),
      Buffer.alloc(big),
      { a: new Float64Array(big) },
      'text',
      new DataView(new ArrayBuffer(big)),
    ]) {
      const parts = encodeParts(value, 'field', { copy: false });
      assert.equal(parts.length, 1);
      assert.deepEqual(Buffer.from(parts[0]!), Buffer.from(encode(value)));
    }
  });

  it('names the value when it cannot be encoded', () => {
    assert.throws(() => encodeParts(() => 1, 'field Trainer.model', { copy: false }), /field Trainer\.model/);
  });
});
