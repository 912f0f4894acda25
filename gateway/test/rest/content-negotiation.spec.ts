import assert from 'node:assert/strict';
import { encode } from '@praas/framework/internal';
import { MAX_JSON_DEPTH } from '../../src/json/json-mapping';
import { isMsgpackContentType, parseMsgpackBody, prefersMsgpack } from '../../src/rest/content-negotiation';

describe('content negotiation of invoke arguments and results', () => {
  it('answers in msgpack only when Accept rates it above JSON', () => {
    const cases: [string | undefined, boolean][] = [
      [undefined, false],
      ['', false],
      ['*/*', false],
      ['application/json', false],
      ['text/html', false],
      ['application/msgpack', true],
      ['application/x-msgpack', true],
      ['application/vnd.msgpack', true],
      ['Application/MsgPack; charset=binary', true],
      ['application/msgpack, application/json;q=0.5', true],
      ['application/json;q=0.5, application/msgpack', true],
      ['application/msgpack, application/json', false],
      ['application/msgpack;q=0.4, application/json;q=0.5', false],
      ['application/msgpack;q=0, */*', false],
      ['application/*;q=0.2, application/msgpack;q=0.9', true],
      ['application/msgpack;q=0.9, */*;q=0.1', true],
      ['application/msgpack;q=abc', false],
    ];
    for (const [accept, expected] of cases) assert.equal(prefersMsgpack(accept), expected, String(accept));
  });

  it('recognises the msgpack content types, with parameters', () => {
    assert.ok(isMsgpackContentType('application/msgpack'));
    assert.ok(isMsgpackContentType('application/x-msgpack; foo=bar'));
    assert.ok(!isMsgpackContentType('application/json'));
    assert.ok(!isMsgpackContentType(undefined));
  });

  it('decodes a msgpack body in the framework codec, and bounds its nesting like JSON', () => {
    assert.equal(parseMsgpackBody(Buffer.alloc(0), 'argument'), undefined);
    assert.deepEqual(
      parseMsgpackBody(Buffer.from(encode(new Map([[1, new Set([2n])]]))), 'argument'),
      new Map([[1, new Set([2n])]]),
    );
    let deep: unknown = 1;
    for (let i = 0; i < MAX_JSON_DEPTH; i++) deep = new Map([['k', [deep]]]);
    assert.throws(() => parseMsgpackBody(Buffer.from(encode(deep)), 'argument'), {
      code: 'INVALID_ARGUMENT',
      message: `argument nests deeper than ${MAX_JSON_DEPTH} levels`,
    });
    assert.throws(() => parseMsgpackBody(Buffer.from([0x92, 0x01]), 'argument'), { code: 'DECODE_FAILED' });
  });
});
