import assert from 'node:assert/strict';
import { Packr } from 'msgpackr';
import {
  decodeControl,
  decodeEnvelope,
  DecodeError,
  encodeWire,
  type InvokeEnvelope,
  type MessageEnvelope,
} from '../../src/internal';

const TRACE = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tracestate: 'vendor=1' };

/** Bytes as a sender from before trace context encoded them: an independent packer, no `trace` field. */
const olderSender = new Packr({ useRecords: false, mapsAsObjects: true });

describe('wire envelopes: trace context', () => {
  it('decodes envelopes of older senders, which carry no trace field', () => {
    const message = decodeEnvelope(
      olderSender.pack({ t: 'msg', id: 'm1', from: 'p1', epoch: 'e1', seq: 1, key: 'k', data: new Uint8Array([1]) }),
    );
    assert.equal(message.t, 'msg');
    assert.equal(message.trace, undefined);
    const invocation = decodeEnvelope(
      olderSender.pack({ t: 'inv', id: 'i1', from: 'p1', fn: 'f', data: new Uint8Array() }),
    );
    assert.equal(invocation.t, 'inv');
    assert.equal(invocation.trace, undefined);
    assert.equal(decodeControl(olderSender.pack({ op: 'activate', app: 'a', pid: 'p' })).trace, undefined);
  });

  it('carries the W3C trace context of messages, invocations and control requests', () => {
    const message: MessageEnvelope = {
      t: 'msg',
      id: 'm1',
      from: 'p1',
      epoch: 'e1',
      seq: 1,
      key: 'k',
      data: new Uint8Array([1]),
      trace: TRACE,
    };
    const invocation: InvokeEnvelope = {
      t: 'inv',
      id: 'i1',
      from: 'p1',
      fn: 'f',
      data: new Uint8Array(),
      trace: TRACE,
    };
    assert.deepEqual(decodeEnvelope(encodeWire(message)).trace, TRACE);
    assert.deepEqual(decodeEnvelope(encodeWire(invocation)).trace, TRACE);
    const activation = decodeControl(encodeWire({ op: 'activate', app: 'a', pid: 'p', trace: TRACE }));
    assert.deepEqual(activation.trace, TRACE);
  });

  it('refuses a trace field that is not a trace context', () => {
    const base = { t: 'inv', id: 'i1', from: 'p1', fn: 'f', data: new Uint8Array() };
    for (const trace of [
      '00-abc',
      { tracestate: 'x=1' },
      { traceparent: 7 },
      { traceparent: 'x', tracestate: 1 },
      null,
    ]) {
      assert.throws(
        () => decodeEnvelope(encodeWire({ ...base, trace })),
        (e: unknown) => e instanceof DecodeError && /field 'trace'/.test(e.message),
        JSON.stringify(trace),
      );
    }
  });
});
