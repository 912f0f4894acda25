import assert from 'node:assert/strict';
import { loadSync } from '@grpc/proto-loader';
import type { ProcessInspection } from '@praas/framework/internal';
import { GATEWAY_PROTO_PATH } from '../../src';
import { inspectionMessage, inspectOptionsOf } from '../../src/records/inspection-message';

const snake = (camel: string): string => camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

const SAMPLE: ProcessInspection = {
  app: 'shop',
  pid: 'cart-1',
  processClass: 'Cart',
  status: 'active',
  generation: 2,
  version: 3,
  host: 'h1',
  source: 'live',
  takenAt: 5,
  fields: [{ name: 'items', preview: '[]', bytes: 1, truncated: false }],
  keyed: [{ name: 'k', preview: '1', bytes: 1, truncated: false }],
  mailbox: { depth: 1, head: [{ from: 'client:a', key: 'note', preview: '"x"', bytes: 2, truncated: false }] },
  triggers: [{ fn: 'gather', key: '7', count: 1, firstAt: 4 }],
};

describe('the gRPC message of a process inspection', function () {
  const proto = loadSync(GATEWAY_PROTO_PATH, { keepCase: true });
  const fieldsOf = (message: string): string[] =>
    (proto[`praas.v1.${message}`] as { type: { field: { name: string }[] } }).type.field.map((f) => f.name).sort();

  it('has exactly the fields of the REST record, at every level', function () {
    const m = inspectionMessage(SAMPLE);
    assert.deepEqual(fieldsOf('ProcessInspection'), Object.keys(SAMPLE).map(snake).sort());
    assert.deepEqual(Object.keys(m).map(snake).sort(), fieldsOf('ProcessInspection'));
    assert.deepEqual(fieldsOf('InspectedMailbox'), Object.keys(SAMPLE.mailbox).sort());
    assert.deepEqual(fieldsOf('InspectedAccumulation'), Object.keys(SAMPLE.triggers[0]!).map(snake).sort());
    // One message for values and messages: a message's key is its name, its sender `from`.
    assert.deepEqual(fieldsOf('InspectedValue'), [...Object.keys(SAMPLE.fields[0]!), 'from'].sort());
    const head = (m['mailbox'] as { head: Record<string, unknown>[] }).head[0]!;
    assert.deepEqual([head['name'], head['from']], ['note', 'client:a']);
  });

  it('sends absent optional fields as proto3 defaults', function () {
    const { version: _v, host: _h, ...swapped } = SAMPLE;
    const m = inspectionMessage({
      ...swapped,
      status: 'swapped',
      source: 'snapshot',
      triggers: [{ fn: 'flush', count: 2, firstAt: 1 }],
    });
    assert.deepEqual([m['version'], m['host']], [0, '']);
    assert.equal((m['triggers'] as { key: string }[])[0]!.key, '');
  });

  it('reads maxChars, refusing what is not a whole number in range', function () {
    assert.deepEqual(inspectOptionsOf(null), {});
    assert.deepEqual(inspectOptionsOf(0), {});
    assert.deepEqual(inspectOptionsOf('64'), { maxChars: 64 });
    for (const bad of ['x', '-1', '1.5', String(2 ** 30)])
      assert.throws(() => inspectOptionsOf(bad), { code: 'INVALID_ARGUMENT' });
  });
});
