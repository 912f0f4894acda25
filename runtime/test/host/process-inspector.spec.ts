import assert from 'node:assert/strict';
import { decodeReply, decodeWire, encodeWire, hostSubject, type ProcessInspection } from '@praas/framework/internal';
import { startTestHost, type TestHost } from '../fixtures';
import { previewValue } from '../../src/state/value-preview';

describe('ProcessInspector (the inspect control request)', function () {
  let t: TestHost;
  beforeEach(async () => (t = await startTestHost()));
  afterEach(() => t.close());

  const inspect = async (pid: string, maxChars?: number): Promise<ProcessInspection> => {
    const request = encodeWire({ op: 'inspect', app: t.app, pid, ...(maxChars === undefined ? {} : { maxChars }) });
    const reply = decodeReply(await t.transport.request(hostSubject(t.app, 'h1'), request, { timeoutMs: 5_000 }));
    if (!reply.ok) throw Object.assign(new Error(reply.error.message), { code: reply.error.code });
    return decodeWire<ProcessInspection>(reply.data!, 'inspection');
  };
  const field = (i: ProcessInspection, name: string): string | undefined =>
    i.fields.find((f) => f.name === name)?.preview;

  it('shows an active process live: fields, keyed state, mailbox depth and head', async function () {
    await t.host.create('p', 'Worker');
    await t.invoke('p', 'inc', 3);
    await t.invoke('p', 'setKey', { key: 'colour', value: 'blue' });
    await t.send('p', 'note', { hello: 'world' });
    const live = await inspect('p');
    assert.deepEqual([live.source, live.status, live.host, live.processClass], ['live', 'active', 'h1', 'Worker']);
    assert.equal(field(live, 'count'), '3');
    assert.equal(field(live, 'tags'), 'Map(1) {"a" => 1}');
    assert.equal(field(live, 'weights'), 'Float64Array(2) [0.5, 1.5]');
    assert.deepEqual(
      live.keyed.map((k) => [k.name, k.preview]),
      [['colour', '"blue"']],
    );
    assert.equal(live.mailbox.depth, 1);
    assert.deepEqual([live.mailbox.head[0]?.from, live.mailbox.head[0]?.key], ['client:test', 'note']);
    assert.equal(live.mailbox.head[0]?.preview, '{"hello": "world"}');
  });

  it('reads a swapped-out process from its committed snapshot without swapping it in', async function () {
    await t.host.create('p', 'Worker');
    await t.invoke('p', 'inc', 7);
    await t.invoke('p', 'setKey', { key: 'big', value: 'x'.repeat(5_000) });
    await t.host.swapOut('p');
    const before = await t.registry.getProcess(t.app, 'p');
    const shown = await inspect('p', 100);
    assert.deepEqual([shown.source, shown.status, shown.generation], ['snapshot', 'swapped', before?.generation]);
    assert.equal(field(shown, 'count'), '7');
    const big = shown.keyed.find((k) => k.name === 'big')!;
    assert.equal(big.truncated, true);
    assert.equal(big.preview.length, 100);
    assert.ok(big.bytes > 5_000);
    assert.equal(t.host.local('p'), undefined, 'not swapped in');
    assert.deepEqual(await t.registry.getProcess(t.app, 'p'), before, 'the record is untouched');
  });

  it('says when a process does not exist', async function () {
    await assert.rejects(inspect('none'), { code: 'PROCESS_NOT_FOUND' });
  });
});

describe('previewValue', () => {
  it('spells out what JSON cannot, marks cycles, and stops at the limit', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    assert.equal(previewValue(cyclic, 100).preview, '{"a": 1, "self": [Circular]}');
    assert.equal(previewValue(new Set([1n, 'x']), 100).preview, 'Set(2) [1n, "x"]');
    assert.equal(previewValue(new Date(0), 100).preview, 'Date(1970-01-01T00:00:00.000Z)');
    assert.equal(previewValue(new Uint8Array([1, 255]), 100).preview, 'Uint8Array(2) <01ff>');
    const long = previewValue(
      Array.from({ length: 10_000 }, (_, i) => i),
      50,
    );
    assert.deepEqual([long.preview.length, long.truncated], [50, true]);
    assert.equal(previewValue([1, 2], 50).truncated, false);
  });
});
