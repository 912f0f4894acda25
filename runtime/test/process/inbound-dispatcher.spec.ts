import assert from 'node:assert/strict';
import 'reflect-metadata';
import {
  decode,
  decodeReply,
  encodeWire,
  Fn,
  FunctionNotFoundError,
  multiSource,
  Process,
  processSubject,
  replySubject,
  type Part,
  type ReplyEnvelope,
} from '@praas/framework/internal';
import { invocation, message, processParts, type ProcessParts } from './process-parts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

@Process()
class Inbox {
  calls = 0;
  notes: unknown[] = [];
  @Fn() add(n: number): number {
    this.calls++;
    return n + 1;
  }
  @Fn() note(data: unknown): void {
    this.notes.push(data);
  }
  @Fn({ trigger: multiSource({ count: 2 }) }) sum(parts: Part<number>[]): number {
    return parts.reduce((a, p) => a + p.data, 0);
  }
}

const code = (reply: ReplyEnvelope): string | undefined => (reply.ok ? undefined : reply.error.code);

describe('InboundDispatcher', () => {
  let p: ProcessParts;
  const goLive = async (): Promise<void> => {
    p.lifeCycle.to('active');
    await p.inbound.serve();
  };
  beforeEach(() => (p = processParts(Inbox)));
  afterEach(async () => {
    await p.inbound.unserve();
    await p.transport.close();
  });

  it('refuses messages before it serves and invocations while the process is not active', async () => {
    assert.equal(code(await p.inbound.handle(message(1))), 'PROCESS_UNAVAILABLE');
    assert.equal(code(await p.inbound.handle(invocation('i1', 'add', 1))), 'PROCESS_UNAVAILABLE');
    await goLive();
    p.lifeCycle.to('swapping-out');
    assert.equal((await p.inbound.handle(message(1))).ok, true, 'messages to the mailbox until it stops serving');
    assert.equal(code(await p.inbound.handle(message(2, { fn: 'note' }))), 'PROCESS_UNAVAILABLE');
    assert.equal(code(await p.inbound.handle(invocation('i1', 'add', 1))), 'PROCESS_UNAVAILABLE');
    assert.equal(p.inbound.traffic, 5);
  });

  it("takes a sender's messages in its order: after a gap it reads the backup queue, else refuses", async () => {
    await goLive();
    const early = await p.inbound.handle(message(2));
    assert.equal(code(early), 'PROCESS_UNAVAILABLE');
    assert.equal(!early.ok && early.error.details?.['reason'], 'out-of-order');
    // The earlier message went to the backup queue: the gap is filled from there.
    await p.transport.backup.append(p.app, p.pid, 'm1', encodeWire(message(1)));
    assert.equal((await p.inbound.handle(message(2))).ok, true);
    const first = await p.mailbox.take('client:x', 'k');
    const second = await p.mailbox.take('client:x', 'k');
    assert.deepEqual([decode(first.data), decode(second.data)], [1, 2]);
  });

  it('runs an invocation retried with the same id once, and answers both', async () => {
    await goLive();
    const [a, b] = await Promise.all([
      p.inbound.handle(invocation('i1', 'add', 1)),
      p.inbound.handle(invocation('i1', 'add', 1)),
    ]);
    const again = await p.inbound.handle(invocation('i1', 'add', 1));
    for (const reply of [a, b, again]) assert.equal(reply.ok && decode(reply.data!), 2);
    assert.equal((p.runner.instance as unknown as Inbox).calls, 1);
  });

  it('serves the process subject: bytes in, encoded reply out', async () => {
    await goLive();
    const reply = decodeReply(
      await p.transport.request(processSubject(p.app, p.pid), encodeWire(invocation('i1', 'add', 41)), {
        timeoutMs: 1_000,
      }),
    );
    assert.equal(reply.ok && decode(reply.data!), 42);
  });

  it('tells a live sender that the function of its message does not exist; drops a queued one', async () => {
    await goLive();
    await assert.rejects(p.inbound.handle(message(1, { fn: 'missing' })), FunctionNotFoundError);
    p.inbound.deliverQueued(message(1, { id: 'q1', fn: 'missing' }));
    p.inbound.deliverQueued(message(2, { id: 'q2', fn: 'note' }));
    await sleep(5);
    assert.deepEqual((p.runner.instance as unknown as Inbox).notes, [2]);
  });

  it('asks for the key of a multi-source invocation, and fires the trigger when its count arrived', async () => {
    await goLive();
    const noKey = await p.inbound.handle(invocation('i1', 'sum', 1));
    assert.equal(code(noKey), 'INVALID_ARGUMENT');
    const [a, b] = await Promise.all([
      p.inbound.handle(invocation('i2', 'sum', 1, { key: 'e1' })),
      p.inbound.handle(invocation('i3', 'sum', 2, { key: 'e1' })),
    ]);
    assert.equal(a.ok && decode(a.data!), 3);
    assert.equal(b.ok && decode(b.data!), 3);
  });

  it('runs an invocation once when a retry with its id comes through the backup queue, before or after the live one', async () => {
    await goLive();
    const replies: ReplyEnvelope[] = [];
    const subs = await Promise.all(
      ['i1', 'i2'].map((id) =>
        p.transport.serve(replySubject(p.app, id), (bytes) => {
          replies.push(decodeReply(bytes));
          return Promise.resolve(new Uint8Array(0));
        }),
      ),
    );
    // A caller that took the host for dead queued its idempotent call again: the live one ran first.
    const live = await p.inbound.handle(invocation('i1', 'add', 1));
    p.inbound.deliverQueued(invocation('i1', 'add', 1, { replyTo: replySubject(p.app, 'i1') }));
    // And the other way round: the queued copy is drained first, the live retry arrives while it runs.
    p.inbound.deliverQueued(invocation('i2', 'add', 5, { replyTo: replySubject(p.app, 'i2') }));
    const retried = await p.inbound.handle(invocation('i2', 'add', 5));
    for (let i = 0; i < 50 && replies.length < 2; i++) await sleep(2);
    assert.equal(live.ok && decode(live.data!), 2);
    assert.equal(retried.ok && decode(retried.data!), 6);
    assert.deepEqual(replies.map((r) => r.ok && decode(r.data!)).sort(), [2, 6]);
    assert.equal((p.runner.instance as unknown as Inbox).calls, 2, 'each invocation ran once');
    await Promise.all(subs.map((s) => s.unsubscribe()));
  });

  it('publishes the reply of a queued invocation to its replyTo once the process was announced live', async () => {
    const done = p.lifeCycle.goingLive();
    await goLive();
    const replyTo = replySubject(p.app, 'i1');
    const replies: ReplyEnvelope[] = [];
    const sub = await p.transport.serve(replyTo, (bytes) => {
      replies.push(decodeReply(bytes));
      return Promise.resolve(new Uint8Array(0));
    });
    p.inbound.deliverQueued(invocation('i1', 'add', 1, { replyTo }));
    await sleep(10);
    assert.equal(replies.length, 0, 'held until the registry says the process is active');
    done();
    for (let i = 0; i < 50 && replies.length === 0; i++) await sleep(2);
    assert.equal(replies[0]?.ok && decode(replies[0].data!), 2);
    await sub.unsubscribe();
  });

  it('logs at debug, and does not fail, when the caller of a queued invocation is gone', async () => {
    await goLive();
    const failing = p.transport.publish.bind(p.transport);
    p.transport.publish = (subject, data) =>
      subject.includes('gone') ? Promise.reject(new Error('no listener')) : failing(subject, data);
    p.inbound.replyQueued('gone', { ok: true });
    for (let i = 0; i < 50 && p.logger.at('debug').length === 0; i++) await sleep(2);
    const [record] = p.logger.at('debug', 'found no caller');
    assert.equal(record?.['replyTo'], 'gone');
  });
});
