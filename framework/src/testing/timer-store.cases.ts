import assert from 'node:assert/strict';
import { parseSchedule } from '../timers/schedule';
import type { TimerRecord, TimerStore } from '../timers/timer-store';
import type { TimerStoreOptions } from '../timers/slotted-timer-store';
import { instancesPerTest, uniqueNames } from './contract-support';

/** How the timer-store contract gets the stores it tests. */
export interface TimerStoreContractOptions {
  /** Creates a store with these options; a second call gives a second client of the same store. */
  create(options: TimerStoreOptions): Promise<TimerStore>;
  /** Called after each test with every store created during it (default: close each). */
  dispose?(stores: TimerStore[]): Promise<void>;
}

const appName = uniqueNames('tc');
const T0 = Date.UTC(2026, 0, 1);

const timer = (
  app: string,
  pid: string,
  id: string,
  dueAt: number,
  overrides: Partial<TimerRecord> = {},
): TimerRecord => ({
  app,
  pid,
  id,
  fn: 'tick',
  data: Uint8Array.from([1, 2, 3, 255]),
  schedule: parseSchedule({ at: new Date(dueAt) }),
  dueAt,
  attempt: 0,
  createdAt: T0,
  ...overrides,
});
const ids = (timers: { timer: TimerRecord }[]): string[] => timers.map((t) => t.timer.id);

/**
 * The behaviour every TimerStore must have (issue 19). Runs unchanged against the in-memory and
 * the NATS KV implementation, with a clock the test moves.
 */
export function timerStoreContract(name: string, options: TimerStoreContractOptions): void {
  describe(`TimerStore contract: ${name}`, function () {
    let clock = T0;
    beforeEach(() => (clock = T0));
    const make = instancesPerTest({
      create: () => options.create({ now: () => clock, slotMs: 5_000, staleAfterMs: 60_000 }),
      ...(options.dispose ? { dispose: options.dispose } : {}),
    });

    it('stores, replaces, lists and deletes the timers of a process', async () => {
      const s = await make();
      const other = await make();
      const app = appName();
      await s.put(timer(app, 'p1', 'a', T0 + 1_000));
      await s.put(timer(app, 'p1', 'b', T0 + 2_000, { key: 'b' }));
      await s.put(timer(app, 'p2', 'a', T0 + 3_000));
      const got = await other.get(app, 'p1', 'a');
      assert.deepEqual(got?.timer, timer(app, 'p1', 'a', T0 + 1_000));
      assert.ok(got.timer.data instanceof Uint8Array);
      const replaced = await s.put(timer(app, 'p1', 'b', T0 + 9_000, { key: 'b', fn: 'other' }));
      assert.ok(replaced > got.revision);
      const listed = (await other.list(app, 'p1')).sort((x, y) => x.id.localeCompare(y.id));
      assert.deepEqual(
        listed.map((t) => [t.id, t.fn, t.dueAt]),
        [
          ['a', 'tick', T0 + 1_000],
          ['b', 'other', T0 + 9_000],
        ],
      );
      assert.equal(await s.delete(app, 'p1', 'a'), true);
      assert.equal(await s.delete(app, 'p1', 'a'), false);
      assert.equal(await other.get(app, 'p1', 'a'), undefined);
      assert.deepEqual(
        (await other.list(app, 'p1')).map((t) => t.id),
        ['b'],
      );
      assert.equal((await other.list(app, 'p2')).length, 1);
      assert.deepEqual(await other.list(app, 'nobody'), []);
    });

    it('lists the due timers of an application up to a time, earliest first, at most limit', async () => {
      const s = await make();
      const app = appName();
      const other = appName();
      await s.put(timer(app, 'p1', 'late', T0 + 60_000));
      await s.put(timer(app, 'p2', 'second', T0 + 7_000));
      await s.put(timer(app, 'p1', 'first', T0 + 1_000));
      await s.put(timer(app, 'p1', 'third', T0 + 12_000));
      await s.put(timer(other, 'p1', 'elsewhere', T0 + 1_000));
      assert.deepEqual(await s.due(app, T0, 10), []);
      assert.deepEqual(ids(await s.due(app, T0 + 12_000, 10)), ['first', 'second', 'third']);
      assert.deepEqual(ids(await s.due(app, T0 + 12_000, 2)), ['first', 'second']);
      assert.deepEqual(ids(await s.due(app, T0 + 6_999, 10)), ['first']);
      clock = T0 + 100_000;
      assert.deepEqual(ids(await s.due(app, clock, 10)), ['first', 'second', 'third', 'late']);
      assert.deepEqual(ids(await s.due(other, clock, 10)), ['elsewhere']);
      assert.deepEqual(await s.due(appName(), clock, 10), []);
    });

    it('finds a timer put with a due time long past, after the index has moved on', async () => {
      const s = await make();
      const app = appName();
      await s.put(timer(app, 'p1', 'a', T0 + 1_000));
      clock = T0 + 600_000;
      assert.deepEqual(ids(await s.due(app, clock, 10)), ['a']);
      await s.delete(app, 'p1', 'a');
      assert.deepEqual(await s.due(app, clock, 10), [], 'the slots passed are empty now');
      await s.put(timer(app, 'p1', 'overdue', T0 + 2_000));
      await s.put(timer(app, 'p1', 'now', clock));
      assert.deepEqual(ids(await s.due(app, clock, 10)), ['overdue', 'now']);
    });

    it('moves a rescheduled timer in the due index and forgets a deleted one', async () => {
      const s = await make();
      const app = appName();
      const first = await s.put(timer(app, 'p1', 'a', T0 + 1_000));
      await s.put(timer(app, 'p1', 'b', T0 + 2_000));
      const later = await s.update(timer(app, 'p1', 'a', T0 + 30_000), first);
      assert.ok(later !== undefined && later > first);
      assert.equal(await s.update(timer(app, 'p1', 'a', T0 + 500), first), undefined, 'a stale revision');
      assert.deepEqual(ids(await s.due(app, T0 + 10_000, 10)), ['b']);
      assert.deepEqual(ids(await s.due(app, T0 + 30_000, 10)), ['b', 'a']);
      assert.equal(await s.delete(app, 'p1', 'b', later), false, 'a revision of another timer');
      assert.equal(await s.delete(app, 'p1', 'a', first), false, 'a stale revision');
      assert.equal(await s.delete(app, 'p1', 'a', later), true);
      assert.deepEqual(ids(await s.due(app, T0 + 30_000, 10)), ['b']);
      assert.equal(await s.update(timer(app, 'p1', 'a', T0), later), undefined, 'a deleted timer stays deleted');
    });

    it('lets exactly one of many concurrent claims win and hides the claimed timer until its lease ends', async () => {
      const stores = [await make(), await make(), await make()];
      const app = appName();
      await stores[0]!.put(timer(app, 'p1', 'a', T0 + 1_000));
      const [due] = await stores[1]!.due(app, T0 + 1_000, 1);
      assert.ok(due !== undefined);
      const claims = await Promise.all(
        Array.from({ length: 9 }, (_, i) =>
          stores[i % 3]!.claim(app, 'p1', 'a', due.revision, { owner: `h${i}`, leaseMs: 30_000 }),
        ),
      );
      const won = claims.filter((c) => c !== undefined);
      assert.equal(won.length, 1);
      assert.equal(won[0]!.timer.attempt, 1);
      assert.deepEqual((await stores[2]!.get(app, 'p1', 'a'))?.timer.lease, won[0]!.timer.lease);
      assert.equal(won[0]!.timer.lease?.until, T0 + 30_000);
      assert.deepEqual(await stores[2]!.due(app, T0 + 1_000, 10), [], 'held under a lease');
      clock = T0 + 30_001;
      const again = await stores[2]!.due(app, clock, 10);
      assert.deepEqual(ids(again), ['a'], 'the lease ran out: another firer may take it');
      const retaken = await stores[2]!.claim(app, 'p1', 'a', again[0]!.revision, { owner: 'h9', leaseMs: 1_000 });
      assert.equal(retaken?.timer.attempt, 2);
      assert.equal(await stores[0]!.claim(app, 'p1', 'a', due.revision, { owner: 'late', leaseMs: 1 }), undefined);
      const { lease: _, ...fired } = retaken.timer;
      const rescheduled = await stores[0]!.update({ ...fired, dueAt: T0 + 90_000, attempt: 0 }, retaken.revision);
      assert.ok(rescheduled !== undefined);
      assert.deepEqual(await stores[1]!.due(app, clock, 10), []);
      assert.deepEqual(ids(await stores[1]!.due(app, T0 + 90_000, 10)), ['a']);
    });

    it('pages through the timers of an application or of one process, each once, at most limit a page', async () => {
      const s = await make();
      const other = await make();
      const app = appName();
      const put: TimerRecord[] = [];
      for (let i = 0; i < 7; i++) put.push(timer(app, `p${i % 2}`, `t${i}`, T0 + i * 1_000, { key: `t${i}` }));
      for (const t of put) await s.put(t);
      await s.put(timer(appName(), 'p0', 'elsewhere', T0));
      const walk = async (query: { limit: number; pid?: string }): Promise<TimerRecord[][]> => {
        const pages: TimerRecord[][] = [];
        let cursor: string | undefined;
        do {
          const page = await other.listPage(app, { ...query, ...(cursor === undefined ? {} : { cursor }) });
          assert.ok(page.timers.length <= query.limit);
          pages.push(page.timers);
          cursor = page.cursor;
        } while (cursor !== undefined && pages.length < 20);
        return pages;
      };
      const pages = await walk({ limit: 3 });
      assert.ok(pages.length >= 3, `7 timers in pages of 3, got ${pages.length} pages`);
      const all = pages.flat().sort((x, y) => x.id.localeCompare(y.id));
      assert.deepEqual(all, put, 'every timer once, payload and all');
      assert.deepEqual(
        (await walk({ limit: 2, pid: 'p1' }))
          .flat()
          .map((t) => t.id)
          .sort(),
        ['t1', 't3', 't5'],
      );
      assert.deepEqual(await other.listPage(appName()), { timers: [] });
      assert.deepEqual(await other.listPage(app, { pid: 'nobody' }), { timers: [] });

      const first = await other.listPage(app, { limit: 3 });
      assert.ok(first.cursor !== undefined);
      const seen = new Set(first.timers.map((t) => t.id));
      const changed = first.timers[0]!;
      await s.put({ ...changed, dueAt: changed.dueAt + 50_000 });
      const unseen = put.find((t) => !seen.has(t.id))!;
      assert.equal(await s.delete(app, unseen.pid, unseen.id), true);
      const rest = (await walk({ limit: 3 })).flat();
      const restAfterFirst: TimerRecord[] = [];
      let cursor: string | undefined = first.cursor;
      while (cursor !== undefined) {
        const page = await other.listPage(app, { limit: 3, cursor });
        restAfterFirst.push(...page.timers);
        cursor = page.cursor;
      }
      assert.ok(!restAfterFirst.some((t) => t.id === unseen.id), 'a timer deleted during the walk is gone');
      const again = restAfterFirst.filter((t) => t.id === changed.id);
      assert.deepEqual(
        again.map((t) => t.dueAt),
        [changed.dueAt + 50_000],
        'a timer changed during the walk comes again, new',
      );
      assert.equal(rest.length, 6);
    });

    it('rejects bad input naming what is wrong', async () => {
      const s = await make();
      const app = appName();
      await assert.rejects(s.put(timer(app, 'p.1', 'a', T0)), /invalid pid "p.1"/);
      await assert.rejects(s.put(timer(app, 'p1', 'a b', T0)), /invalid timer id "a b"/);
      await assert.rejects(s.put(timer('', 'p1', 'a', T0)), /invalid application ""/);
      await assert.rejects(s.put(timer(app, 'p1', 'a', -5)), /dueAt must be a non-negative integer, got -5/);
      await assert.rejects(s.put(timer(app, 'p1', 'a', T0, { fn: 'x.y' })), /invalid function "x.y"/);
      await assert.rejects(s.due(app, T0, 0), /limit must be a positive integer, got 0/);
      await assert.rejects(
        s.claim(app, 'p1', 'a', 1, { owner: 'h', leaseMs: 0 }),
        /leaseMs must be a positive integer/,
      );
      await assert.rejects(s.update(timer(app, 'p1', 'a', T0), 0), /expectedRevision must be a positive integer/);
      await assert.rejects(s.listPage(app, { limit: 0 }), /limit must be an integer from 1 to 1000, got 0/);
      await assert.rejects(s.listPage(app, { limit: 1_001 }), /limit must be an integer from 1 to 1000/);
      await assert.rejects(s.listPage(app, { cursor: 'bogus' }), /cursor "bogus" is not one a page of timers gave/);
      await assert.rejects(s.listPage(app, { pid: 'p.1' }), /invalid pid "p.1"/);
      await assert.rejects(s.listPage('a b'), /invalid application "a b"/);
    });
  });
}
