import assert from 'node:assert/strict';
import 'reflect-metadata';
import {
  batch,
  encode,
  Fn,
  multiSource,
  Process,
  processDefinitionOf,
  type FunctionDefinition,
  type Part,
  type ReplyEnvelope,
} from '@praas/framework/internal';
import { TriggerEngine, type Contribution, type PersistedAccumulation } from '../../src/triggers/trigger-engine';

@Process({ name: 'Engine' })
class Engine {
  @Fn({ trigger: batch({ size: 4 }) }) flush(parts: Part<string>[]): number {
    return parts.length;
  }
  @Fn({ trigger: batch({ size: 5, maxWaitMs: 60_000 }) }) flushLater(parts: Part<string>[]): number {
    return parts.length;
  }
  @Fn({ trigger: multiSource({ count: 2 }) }) pair(parts: Part<string>[]): number {
    return parts.length;
  }
}

const functions = processDefinitionOf(Engine).functions;
const fn = (name: string): FunctionDefinition => functions.get(name)!;

/** An engine that records each call it starts (with its reply sink) and each reply it publishes. */
function engine(): {
  engine: TriggerEngine;
  calls: { fn: string; ids: string[]; reply: (r: ReplyEnvelope) => void }[];
  published: string[];
} {
  const calls: { fn: string; ids: string[]; reply: (r: ReplyEnvelope) => void }[] = [];
  const published: string[] = [];
  const e = new TriggerEngine(
    functions,
    (f, parts, reply) => calls.push({ fn: f.name, ids: parts.map((p) => p.id), reply }),
    (replyTo) => published.push(replyTo),
  );
  return { engine: e, calls, published };
}

const part = (id: string, key = 'k', replyTo?: string): Contribution => ({
  id,
  source: 'client',
  key,
  data: encode(id),
  ...(replyTo === undefined ? {} : { replyTo }),
});
const ids = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

describe('TriggerEngine', () => {
  it('closes a full accumulation while frozen and fires each, in order, when it thaws', () => {
    const { engine: e, calls } = engine();
    e.freeze();
    for (const id of ids('q', 13)) e.contribute(fn('flush'), part(id));
    assert.equal(calls.length, 0, 'nothing fires while frozen');
    e.thaw();
    assert.deepEqual(
      calls.map((c) => c.ids),
      [ids('q', 4), ids('q', 8).slice(4), ids('q', 12).slice(8)],
    );
    assert.equal(e.size, 1, 'the thirteenth message opened the next batch');
    for (const id of ['q14', 'q15', 'q16']) e.contribute(fn('flush'), part(id));
    assert.deepEqual(calls[3]?.ids, ['q13', 'q14', 'q15', 'q16']);
  });

  it('keeps keys of a multi-source function apart while frozen, and answers every waiting caller', () => {
    const { engine: e, calls } = engine();
    const got: string[] = [];
    e.freeze();
    for (const [id, key] of [
      ['a1', 'a'],
      ['b1', 'b'],
      ['a2', 'a'],
      ['a3', 'a'],
      ['a4', 'a'],
      ['a5', 'a'],
    ] as const) {
      e.contribute(fn('pair'), part(id, key), { sink: () => got.push(id), timeoutMs: 60_000 });
    }
    e.thaw();
    assert.deepEqual(
      calls.map((c) => c.ids),
      [
        ['a1', 'a2'],
        ['a3', 'a4'],
      ],
    );
    for (const c of calls) c.reply({ ok: true });
    assert.deepEqual(got, ['a1', 'a2', 'a3', 'a4']);
    assert.equal(e.liveWaiters(), 2, 'b1 and a5 still wait for their partners');
  });

  it('splits a restored accumulation larger than the function now allows into full calls', () => {
    const { engine: e, calls, published } = engine();
    const persisted: PersistedAccumulation[] = [
      { fn: 'flush', firstAt: Date.now(), parts: ids('r', 10).map((id) => part(id, 'k', `reply.${id}`)) },
    ];
    e.restore(persisted);
    e.thaw();
    assert.deepEqual(
      calls.map((c) => c.ids),
      [ids('r', 4), ids('r', 8).slice(4)],
    );
    calls[0]!.reply({ ok: true });
    assert.deepEqual(published, ['reply.r1', 'reply.r2', 'reply.r3', 'reply.r4']);
    assert.equal(e.size, 2, 'r9 and r10 wait for the next batch');
  });

  it('fires an accumulation whose maxWaitMs ran out while frozen as it thaws, with what it has', () => {
    const { engine: e, calls } = engine();
    e.restore([{ fn: 'flushLater', firstAt: Date.now() - 120_000, parts: [part('old1'), part('old2')] }]);
    e.contribute(fn('flushLater'), part('new1'));
    e.thaw();
    assert.deepEqual(
      calls.map((c) => c.ids),
      [['old1', 'old2', 'new1']],
    );
    assert.equal(e.size, 0);
  });

  it('carries closed and open accumulations through a snapshot in the order they fire', () => {
    const { engine: first } = engine();
    first.freeze();
    for (const id of ids('s', 6)) first.contribute(fn('flush'), part(id));
    const { engine: second, calls } = engine();
    second.restore(first.snapshot());
    second.thaw();
    assert.deepEqual(
      calls.map((c) => c.ids),
      [ids('s', 4)],
    );
    assert.equal(second.size, 2);
  });
});
