import assert from 'node:assert/strict';
import {
  InvalidNameError,
  parseSchedule,
  timerIdFor,
  SlottedTimerStore,
  type TimerKv,
  type TimerKvEntry,
  type TimerKvPage,
  type TimerRecord,
} from '../../src/internal';
import { MemoryTimerKv } from '../../src/timers/memory/memory-timer-store';

const T0 = Date.UTC(2026, 0, 1);
const timer = (id: string, dueAt: number): TimerRecord => ({
  app: 'a',
  pid: 'p',
  id,
  fn: 'tick',
  data: new Uint8Array([1]),
  schedule: parseSchedule({ at: new Date(dueAt) }),
  dueAt,
  attempt: 0,
  createdAt: T0,
});

/** A TimerKv that counts listings and lets a test run something in the middle of one operation. */
class SpyKv implements TimerKv {
  readonly inner = new MemoryTimerKv();
  readonly listed: string[] = [];
  beforeCursorWrite?: () => Promise<void>;
  afterCursorRead?: () => Promise<void>;

  async get(key: string): Promise<TimerKvEntry | undefined> {
    const value = await this.inner.get(key);
    if (key === 'c.a' && this.afterCursorRead) {
      const hook = this.afterCursorRead;
      this.afterCursorRead = undefined;
      await hook();
    }
    return value;
  }
  put(key: string, value: object): Promise<number> {
    return this.inner.put(key, value);
  }
  async compareAndSet(key: string, value: object, expectedRevision: number): Promise<number | undefined> {
    if (key === 'c.a' && expectedRevision > 0 && this.beforeCursorWrite) {
      const hook = this.beforeCursorWrite;
      this.beforeCursorWrite = undefined;
      await hook();
    }
    return this.inner.compareAndSet(key, value, expectedRevision);
  }
  delete(key: string, expectedRevision?: number): Promise<boolean> {
    return this.inner.delete(key, expectedRevision);
  }
  entries(filter: string): Promise<TimerKvEntry[]> {
    this.listed.push(filter);
    return this.inner.entries(filter);
  }
  forget(keyOrFilter: string): Promise<void> {
    return this.inner.forget(keyOrFilter);
  }
  readonly paged: { filter: string; limit: number; returned: number }[] = [];
  async page(filter: string, after: number, limit: number, scan: number): Promise<TimerKvPage> {
    const page = await this.inner.page(filter, after, limit, scan);
    this.paged.push({ filter, limit, returned: page.entries.length });
    return page;
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('timerIdFor', () => {
  it('makes the scheduling key the id, so the same key replaces, and gives keyless timers unique ids', () => {
    assert.equal(timerIdFor('nightly'), 'nightly');
    assert.notEqual(timerIdFor(), timerIdFor());
    assert.throws(() => timerIdFor('a.b'), InvalidNameError);
  });
});

describe('SlottedTimerStore: the due index', () => {
  const slot0 = T0 / 5_000;

  it('reads only the slots from the cursor to the slot of until', async () => {
    let clock = T0;
    const kv = new SpyKv();
    const store = new SlottedTimerStore(kv, { now: () => clock });
    for (let i = 0; i < 50; i++) await store.put(timer(`t${i}`, T0 + 3_600_000 + i));
    await store.put(timer('soon', T0 + 6_000));
    clock = T0 + 10_000;
    assert.deepEqual(
      (await store.due('a', clock, 10)).map((t) => t.timer.id),
      ['soon'],
    );
    // The first slot was empty, so the cursor moved past it and listed it once more; the 50 later timers were never read.
    assert.deepEqual(kv.listed, [`d.a.${slot0}.>`, `d.a.${slot0 + 1}.>`, `d.a.${slot0 + 2}.>`, `d.a.${slot0}.>`]);
    kv.listed.length = 0;
    assert.equal((await store.due('a', clock, 10)).length, 1);
    assert.deepEqual(kv.listed, [`d.a.${slot0 + 1}.>`, `d.a.${slot0 + 2}.>`], 'from the cursor on');
  });

  it('moves up an entry a writer filed below the cursor just before a reader moved it', async () => {
    let clock = T0;
    const kv = new SpyKv();
    const store = new SlottedTimerStore(kv, { now: () => clock });
    await store.put(timer('b', T0 + 1_000));
    const entry = await kv.inner.get(`d.a.${slot0}.p.b`);
    assert.ok(entry !== undefined);
    await kv.inner.delete(entry.key);
    clock = T0 + 60_000;
    // The writer files its entry after the reader listed the slot and checks the cursor before the reader moves it.
    kv.beforeCursorWrite = async () => void (await kv.inner.put(entry.key, entry.value as object));
    assert.deepEqual(await store.due('a', clock, 10), []);
    assert.equal(kv.beforeCursorWrite, undefined, 'the reader moved the cursor');
    assert.deepEqual(
      (await store.due('a', clock, 10)).map((t) => t.timer.id),
      ['b'],
    );
  });

  it('has a writer follow the cursor that a reader moved while it was writing', async () => {
    let clock = T0;
    const kv = new SpyKv();
    const store = new SlottedTimerStore(kv, { now: () => clock });
    await store.put(timer('first', T0 + 1_000));
    await store.delete('a', 'p', 'first');
    clock = T0 + 60_000;
    // After the writer read the cursor (still at the first slot), a reader moves it to the present.
    kv.afterCursorRead = async () => void (await store.due('a', clock, 10));
    await store.put(timer('late', T0 + 2_000));
    assert.equal(kv.afterCursorRead, undefined);
    assert.deepEqual(await kv.inner.entries(`d.a.${slot0}.>`), []);
    assert.deepEqual(
      (await store.due('a', clock, 10)).map((t) => t.timer.id),
      ['late'],
    );
  });

  it('removes an index entry whose timer is gone once it is stale, not before', async () => {
    let clock = T0;
    const kv = new SpyKv();
    const store = new SlottedTimerStore(kv, { now: () => clock, staleAfterMs: 60_000 });
    await store.put(timer('x', T0 + 1_000));
    await kv.inner.delete('t.a.p.x');
    clock = T0 + 30_000;
    assert.deepEqual(await store.due('a', clock, 10), []);
    assert.equal((await kv.inner.entries('d.a.>')).length, 1, 'a write may still be in flight');
    clock = T0 + 61_000;
    assert.deepEqual(await store.due('a', clock, 10), []);
    assert.deepEqual(await kv.inner.entries('d.a.>'), []);
  });
});

describe('SlottedTimerStore: pages of timers', () => {
  it('reads a page through the KV page listing, never listing every timer of the application', async () => {
    const spy = new SpyKv();
    const store = new SlottedTimerStore(spy, { now: () => T0 });
    for (let i = 0; i < 250; i++) await store.put({ ...timer(`t${i}`, T0 + i), pid: `p${i % 5}` });
    spy.listed.length = 0;
    const ids = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await store.listPage('a', { limit: 100, ...(cursor === undefined ? {} : { cursor }) });
      page.timers.forEach((t) => ids.add(t.id));
      cursor = page.cursor;
    } while (cursor !== undefined);
    assert.equal(ids.size, 250);
    assert.deepEqual(spy.listed, [], 'no full listing');
    assert.deepEqual(
      spy.paged.map((p) => [p.filter, p.limit, p.returned]),
      [
        ['t.a.>', 100, 100],
        ['t.a.>', 100, 100],
        ['t.a.>', 100, 50],
      ],
    );
    const p3 = await store.listPage('a', { pid: 'p3', limit: 1_000 });
    assert.equal(p3.timers.length, 50);
    assert.equal(p3.cursor, undefined);
    assert.equal(spy.paged.at(-1)?.filter, 't.a.p3.>');
  });
});
