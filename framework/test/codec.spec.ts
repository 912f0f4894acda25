import assert from 'node:assert/strict';
import 'reflect-metadata';
import { Type } from 'class-transformer';
import { decode, encode, EncodeError } from '../src/internal';

class Layer {
  constructor(
    public size = 0,
    public weights = new Float64Array(0),
  ) {}
  norm(): number {
    return this.weights.reduce((s, w) => s + w * w, 0);
  }
}

class Model {
  name = 'm';
  createdAt = new Date(0);
  @Type(() => Layer) layers: Layer[] = [];
  @Type(() => Layer) head = new Layer();
  tags = new Set<string>();
  lookup = new Map<string, number>();
  describe(): string {
    return `${this.name}/${this.layers.length}`;
  }
}

describe('codec', () => {
  it('round-trips a class instance with methods, nested classes, Date, Map, Set and typed arrays', () => {
    const m = new Model();
    m.layers = [new Layer(2, new Float64Array([1, 2])), new Layer(1, new Float64Array([3]))];
    m.head = new Layer(1, new Float64Array([0.5]));
    m.createdAt = new Date('2026-01-02T03:04:05Z');
    m.tags.add('x').add('y');
    m.lookup.set('a', 1).set('b', 2);
    const back = decode<Model>(encode(m), 'model', Model);
    assert.ok(back instanceof Model);
    assert.equal(back.describe(), 'm/2');
    assert.ok(back.layers[0] instanceof Layer);
    assert.equal(back.layers[0].norm(), 5);
    assert.ok(back.head instanceof Layer);
    assert.deepEqual(back.head.weights, new Float64Array([0.5]));
    assert.ok(back.createdAt instanceof Date);
    assert.equal(back.createdAt.toISOString(), '2026-01-02T03:04:05.000Z');
    assert.deepEqual(back.tags, new Set(['x', 'y']));
    assert.deepEqual(
      back.lookup,
      new Map([
        ['a', 1],
        ['b', 2],
      ]),
    );
  });

  it('round-trips built-ins without a type: bigint, Buffer, Uint8Array, BigInt64Array, Map with object keys', () => {
    const value = {
      small: 42n,
      huge: -(2n ** 100n),
      buf: Buffer.from('hello'),
      bytes: new Uint8Array([1, 2, 255]),
      big64: new BigInt64Array([1n, -2n]),
      map: new Map<unknown, unknown>([[1, { nested: new Set([1]) }]]),
      nothing: null,
      list: [1, 'two', { three: 3 }],
    };
    const back = decode<typeof value>(encode(value));
    assert.equal(back.small, 42n);
    assert.equal(back.huge, -(2n ** 100n));
    assert.equal(Buffer.from(back.buf).toString(), 'hello');
    assert.deepEqual(back.bytes, new Uint8Array([1, 2, 255]));
    assert.ok(back.big64 instanceof BigInt64Array);
    assert.deepEqual([...back.big64], [1n, -2n]);
    assert.deepEqual(back.map.get(1), { nested: new Set([1]) });
    assert.deepEqual(back.list, [1, 'two', { three: 3 }]);
    assert.equal(back.nothing, null);
  });

  it('keeps typed arrays as bytes, not as arrays of numbers', () => {
    const weights = new Float64Array(10_000).map((_, i) => i / 3);
    const bytes = encode({ weights });
    // As bytes: 80,000 bytes plus a small header; as a msgpack array of doubles it would be 90,000+.
    assert.ok(bytes.byteLength < 80_000 + 64, `encoded ${bytes.byteLength} bytes`);
    const back = decode<{ weights: Float64Array }>(bytes);
    assert.ok(back.weights instanceof Float64Array);
    assert.deepEqual(back.weights, weights);
  });

  it('refuses functions, symbols and cycles with an error naming the path', () => {
    assert.throws(
      () => encode({ cb: () => 1 }, "state key 'cart'"),
      (e: unknown) => e instanceof EncodeError && /state key 'cart'\.cb: a function/.test(e.message),
    );
    assert.throws(() => encode({ s: Symbol('x') }, 'message'), /message\.s: a symbol/);
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    assert.throws(() => encode(cyclic, 'field T.graph'), /field T\.graph\.self: the value contains a cycle/);
    assert.throws(() => encode({ p: Promise.resolve(1) }, 'x'), /a Promise cannot be encoded/);
  });

  it('allows shared references that are not cycles', () => {
    const shared = { v: 1 };
    const back = decode<{ a: { v: number }; b: { v: number } }>(encode({ a: shared, b: shared }));
    assert.deepEqual(back, { a: { v: 1 }, b: { v: 1 } });
  });

  describe('exact numbers and arrays', () => {
    const isNegativeZero = (v: unknown): boolean => Object.is(v, -0);
    const holes = (a: unknown[]): number[] => Array.from({ length: a.length }, (_, i) => i).filter((i) => !(i in a));

    it('keeps -0 as -0: alone, in objects, arrays, Map values and class instances', () => {
      assert.ok(isNegativeZero(decode(encode(-0))));
      assert.ok(!isNegativeZero(decode(encode(0))), '+0 stays +0');
      const back = decode<{ o: { z: number }; a: number[]; m: Map<string, number[]> }>(
        encode({ o: { z: -0 }, a: [1, -0, 0], m: new Map([['k', [-0]]]) }),
      );
      assert.ok(isNegativeZero(back.o.z));
      assert.ok(isNegativeZero(back.a[1]));
      assert.ok(!isNegativeZero(back.a[2]));
      assert.ok(isNegativeZero(back.m.get('k')![0]));
      const layer = decode<Layer>(encode(new Layer(-0)), 'layer', Layer);
      assert.ok(layer instanceof Layer);
      assert.ok(isNegativeZero(layer.size));
    });

    it('keeps the holes of sparse arrays: alone, nested, in Map values, and in a class with @Type', () => {
      // eslint-disable-next-line no-sparse-arrays
      const sparse = [1, , 3, , undefined];
      sparse.length = 7;
      const back = decode<unknown[]>(encode(sparse));
      assert.equal(back.length, 7);
      assert.deepEqual(holes(back), [1, 3, 5, 6]);
      assert.deepEqual([back[0], back[2], 4 in back, back[4]], [1, 3, true, undefined], 'an explicit undefined stays');
      const nested = decode<{ o: { a: unknown[] }; m: Map<number, unknown[]> }>(
        encode({ o: { a: sparse }, m: new Map([[1, sparse]]) }),
      );
      assert.deepEqual(holes(nested.o.a), [1, 3, 5, 6]);
      assert.deepEqual(holes(nested.m.get(1)!), [1, 3, 5, 6]);

      const m = new Model();
      m.layers = new Array<Layer>(4);
      m.layers[1] = new Layer(2, new Float64Array([1, 1]));
      m.layers[3] = new Layer(-0);
      const model = decode<Model>(encode(m), 'model', Model);
      assert.equal(model.layers.length, 4);
      assert.deepEqual(holes(model.layers), [0, 2]);
      assert.ok(model.layers[1] instanceof Layer && model.layers[3] instanceof Layer, 'items keep their class');
      assert.equal(model.layers[1].norm(), 2);
      assert.ok(isNegativeZero(model.layers[3].size));
    });

    it('keeps a very sparse array small', () => {
      const a: number[] = [];
      a[1_000_000] = 1;
      const bytes = encode(a);
      assert.ok(bytes.byteLength < 64, `encoded ${bytes.byteLength} bytes`);
      const back = decode<number[]>(bytes);
      assert.equal(back.length, 1_000_001);
      assert.equal(back[1_000_000], 1);
      assert.equal(Object.keys(back).length, 1);
    });

    it('refuses a sparse array whose indices are not array indices (bytes from outside)', () => {
      const forged = (length: unknown, indices: unknown[]): Uint8Array =>
        Buffer.concat([Buffer.from([0xd4, 0x68, 0x00]), encode([length, indices, indices.map(() => 1)])]);
      assert.throws(() => decode(forged(3, ['__proto__']), 'body'), /cannot decode body: a sparse array index/);
      assert.throws(() => decode(forged(3, [3]), 'body'), /a sparse array index must be an integer below its length/);
      assert.throws(() => decode(forged(-1, []), 'body'), /a sparse array needs a valid array length/);
      assert.equal(decode<unknown[]>(forged(3, [2]), 'body')[2], 1);
    });

    it('leaves the encoded value untouched', () => {
      // eslint-disable-next-line no-sparse-arrays
      const value = { z: -0, a: [1, , 3] };
      encode(value);
      assert.ok(isNegativeZero(value.z));
      assert.ok(!(1 in value.a));
    });
  });

  it('fails to decode garbage with a DecodeError naming what it was', () => {
    assert.throws(() => decode(new Uint8Array([0x92, 0x01]), 'argument of add'), /cannot decode argument of add/);
  });
});
