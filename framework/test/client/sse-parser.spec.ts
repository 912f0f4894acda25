import assert from 'node:assert/strict';
import { SseParser, type ServerSentEvent } from '../../src/client/sse-parser';

describe('SseParser', () => {
  it('parses named events split across chunks, skipping comments', () => {
    const events: ServerSentEvent[] = [];
    const parser = new SseParser((e) => events.push(e));
    const stream =
      ': watching\n\nevent: put\ndata: {"a":1}\n\n: keep-alive\n\ndata: line1\ndata: line2\n\nevent: deleted\r\ndata:{"b":2}\r\n\r\n';
    for (let i = 0; i < stream.length; i += 7) parser.feed(stream.slice(i, i + 7));
    assert.deepEqual(events, [
      { event: 'put', data: '{"a":1}' },
      { event: 'message', data: 'line1\nline2' },
      { event: 'deleted', data: '{"b":2}' },
    ]);
  });

  it('reports the id of an event that has one', () => {
    const events: ServerSentEvent[] = [];
    const parser = new SseParser((e) => events.push(e));
    parser.feed('event: snapshot\ndata: {}\n\nid: 42\nevent: put\ndata: {"a":1}\n\n');
    assert.deepEqual(events, [
      { event: 'snapshot', data: '{}' },
      { event: 'put', data: '{"a":1}', id: '42' },
    ]);
  });

  it('holds an incomplete event until its blank line arrives', () => {
    const events: ServerSentEvent[] = [];
    const parser = new SseParser((e) => events.push(e));
    parser.feed('event: put\ndata: {}\n');
    assert.equal(events.length, 0);
    parser.feed('\n');
    assert.equal(events.length, 1);
  });
});
