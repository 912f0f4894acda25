import assert from 'node:assert/strict';
import { MAX_JSON_DEPTH, parseJson, stringifyResult, toJsonValue } from '../../src/json/json-mapping';

describe('JSON mapping of results', () => {
  it('maps what JSON cannot carry as documented', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    assert.deepEqual(
      toJsonValue({
        big: 12345678901234567890n,
        date: new Date('2024-01-02T03:04:05.000Z'),
        bytes: new Uint8Array([1, 2, 3]),
        buffer: Buffer.from('hi'),
        floats: new Float64Array([1.5, NaN]),
        bigs: new BigInt64Array([-1n]),
        map: new Map<unknown, unknown>([
          ['a', 1],
          [2, 'b'],
        ]),
        set: new Set([1, 2]),
        point: new Point(1, 2),
        nan: NaN,
        skipped: undefined,
        list: [undefined, 1],
      }),
      {
        big: '12345678901234567890',
        date: '2024-01-02T03:04:05.000Z',
        bytes: 'AQID',
        buffer: 'aGk=',
        floats: [1.5, null],
        bigs: ['-1'],
        map: [
          ['a', 1],
          [2, 'b'],
        ],
        set: [1, 2],
        point: { x: 1, y: 2 },
        nan: null,
        list: [null, 1],
      },
    );
  });

  it('has no body for undefined and JSON null for null', () => {
    assert.equal(stringifyResult(undefined), undefined);
    assert.equal(stringifyResult(null), 'null');
    assert.equal(stringifyResult(10n), '"10"');
  });

  it('writes -0 as 0 and the holes of a sparse array as null', () => {
    const sparse: number[] = [-0];
    sparse[2] = 3;
    assert.equal(stringifyResult({ z: -0, sparse }), '{"z":0,"sparse":[0,null,3]}');
  });

  it('parses client JSON, refusing broken text and excessive nesting', () => {
    assert.deepEqual(parseJson('{"a":[1,{"b":null}]}', 'body'), { a: [1, { b: null }] });
    assert.throws(() => parseJson('{"a":', 'body'), { code: 'DECODE_FAILED' });
    const deep = '['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1);
    assert.throws(() => parseJson(deep, 'body'), { code: 'INVALID_ARGUMENT' });
    const ok = '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH);
    assert.ok(Array.isArray(parseJson(ok, 'body')));
  });
});
