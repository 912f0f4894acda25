import assert from 'node:assert/strict';
import type { Subscription } from '../transport/transport';
import type { ProcessEvent, ProcessRecord, Registry, RegistryWatchOptions } from '../registry/registry';

export interface RegistryContractOptions {
  /** Creates a registry; a second call gives a second client of the same registry. */
  create(): Promise<Registry>;
  /** Called after each test with every registry created during it (default: close each). */
  dispose?(registries: Registry[]): Promise<void>;
}

const until = async (check: () => boolean, what: string, ms = 5_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

let unique = 0;
/** A fresh application name per test, so tests sharing one registry never see each other's records. */
const appName = (): string => `rc${process.pid}x${Date.now().toString(36)}x${unique++}`;

const processRecord = (app: string, pid: string, overrides: Partial<ProcessRecord> = {}): ProcessRecord => ({
  app,
  pid,
  processClass: 'Counter',
  status: 'active',
  host: 'host-1',
  generation: 0,
  updatedAt: Date.now(),
  ...overrides,
});

const byPid = (a: { pid: string }, b: { pid: string }): number => a.pid.localeCompare(b.pid);

/**
 * The behaviour every Registry must have (DESIGN §5). Runs unchanged against the in-memory and
 * the NATS KV implementation, so the two cannot drift.
 */
export function registryContract(name: string, options: RegistryContractOptions): void {
  describe(`Registry contract: ${name}`, function () {
    let created: Registry[] = [];
    const make = async (): Promise<Registry> => {
      const r = await options.create();
      created.push(r);
      return r;
    };
    afterEach(async () => {
      const all = created;
      created = [];
      if (options.dispose) await options.dispose(all);
      else for (const r of all) await r.close();
    });

    it('stores, lists and deletes applications', async () => {
      const r = await make();
      const a = appName();
      const b = appName();
      await r.putApp({ name: a, incarnation: 'i1', createdAt: 1, processClasses: ['Counter'] });
      await r.putApp({ name: b, incarnation: 'i2', createdAt: 2, processClasses: [] });
      assert.deepEqual(await r.getApp(a), { name: a, incarnation: 'i1', createdAt: 1, processClasses: ['Counter'] });
      const names = (await r.listApps()).map((x) => x.name);
      assert.ok(names.includes(a) && names.includes(b));
      await r.deleteApp(a);
      assert.equal(await r.getApp(a), undefined);
      assert.ok(!(await r.listApps()).some((x) => x.name === a));
      assert.ok((await r.listApps()).some((x) => x.name === b));
    });

    it('updates an application only at the expected revision (compare-and-set), also after it was deleted', async () => {
      const r = await make();
      const other = await make();
      const name = appName();
      const first = { name, incarnation: 'i1', createdAt: 1, processClasses: [] };
      const created = await r.updateApp(first, 0);
      assert.ok(created !== undefined && created > 0);
      assert.equal(await other.updateApp({ ...first, incarnation: 'i2' }, 0), undefined, 'it exists already');
      const seen = await other.getAppVersioned(name);
      assert.deepEqual(seen, { record: first, revision: created });
      const deployed = await other.updateApp({ ...first, processClasses: ['Counter'], version: 1 }, created);
      assert.ok(deployed !== undefined && deployed > created);
      assert.equal(await r.updateApp({ ...first, processClasses: ['Lost'] }, created), undefined, 'a stale revision');
      assert.deepEqual((await r.getApp(name))?.processClasses, ['Counter']);

      await r.deleteApp(name);
      assert.equal(await r.getAppVersioned(name), undefined);
      assert.equal(await other.updateApp({ ...first, version: 2 }, deployed), undefined, 'a deleted app stays deleted');
      assert.equal(await r.getApp(name), undefined);
      assert.ok((await other.updateApp({ ...first, incarnation: 'i3' }, 0)) !== undefined, 'created anew');
      assert.equal((await r.getApp(name))?.incarnation, 'i3');
      await assert.rejects(r.updateApp(first, -1), /expectedRevision must be a non-negative integer/);
    });

    it('stores processes per application and shows them to a second client', async () => {
      const writer = await make();
      const reader = await make();
      const app = appName();
      const other = appName();
      await writer.putProcess(processRecord(app, 'p1'));
      await writer.putProcess(processRecord(app, 'p2', { status: 'swapped', generation: 3 }));
      await writer.putProcess(processRecord(other, 'p1'));
      assert.deepEqual(
        await reader.getProcess(app, 'p2'),
        processRecord(app, 'p2', {
          status: 'swapped',
          generation: 3,
          updatedAt: (await reader.getProcess(app, 'p2'))!.updatedAt,
        }),
      );
      assert.deepEqual(
        (await reader.listProcesses(app)).sort(byPid).map((p) => [p.pid, p.status]),
        [
          ['p1', 'active'],
          ['p2', 'swapped'],
        ],
      );
      await writer.deleteProcess(app, 'p1');
      assert.equal(await reader.getProcess(app, 'p1'), undefined);
      assert.deepEqual(
        (await reader.listProcesses(app)).map((p) => p.pid),
        ['p2'],
      );
      assert.equal((await reader.listProcesses(other)).length, 1);
      assert.deepEqual(await reader.listProcesses(appName()), []);
    });

    it('overwrites a process record on put and raises its revision', async () => {
      const r = await make();
      const app = appName();
      await r.putProcess(processRecord(app, 'p1', { status: 'swapping-in' }));
      const first = await r.getProcessVersioned(app, 'p1');
      await r.putProcess(processRecord(app, 'p1', { status: 'active' }));
      const second = await r.getProcessVersioned(app, 'p1');
      assert.equal(second?.record.status, 'active');
      assert.ok(first && second && second.revision > first.revision && first.revision > 0);
      assert.equal(await r.getProcessVersioned(app, 'nobody'), undefined);
    });

    it('updates a process only at the expected revision (compare-and-set)', async () => {
      const r = await make();
      const app = appName();
      const created = await r.updateProcess(processRecord(app, 'p1', { status: 'swapped' }), 0);
      assert.ok(created !== undefined && created > 0);
      assert.equal(await r.updateProcess(processRecord(app, 'p1', { host: 'intruder' }), 0), undefined);
      const claimed = await r.updateProcess(processRecord(app, 'p1', { status: 'swapping-in', host: 'h1' }), created);
      assert.ok(claimed !== undefined && claimed > created);
      assert.equal(await r.updateProcess(processRecord(app, 'p1', { host: 'h2' }), created), undefined);
      const now = await r.getProcessVersioned(app, 'p1');
      assert.deepEqual([now?.record.status, now?.record.host, now?.revision], ['swapping-in', 'h1', claimed]);
      await r.deleteProcess(app, 'p1');
      assert.ok((await r.updateProcess(processRecord(app, 'p1', { host: 'h3' }), 0)) !== undefined);
      assert.equal((await r.getProcess(app, 'p1'))?.host, 'h3');
    });

    it('lets exactly one of many concurrent claims at one revision win', async () => {
      const clients = [await make(), await make(), await make()];
      const app = appName();
      const base = await clients[0]!.updateProcess(processRecord(app, 'p1', { status: 'swapped' }), 0);
      assert.ok(base !== undefined);
      const attempts = Array.from({ length: 9 }, (_, i) =>
        clients[i % clients.length]!.updateProcess(
          processRecord(app, 'p1', { status: 'swapping-in', host: `h${i}` }),
          base,
        ),
      );
      const results = await Promise.all(attempts);
      const winners = results.flatMap((rev, i) => (rev === undefined ? [] : [i]));
      assert.equal(winners.length, 1);
      assert.equal((await clients[1]!.getProcess(app, 'p1'))?.host, `h${winners[0]}`);
    });

    it('tells a watcher about changes made after it started, only for its application', async () => {
      const r = await make();
      const writer = await make();
      const app = appName();
      await writer.putProcess(processRecord(app, 'before'));
      const events: ProcessEvent[] = [];
      const sub = await r.watchProcesses(app, (e) => events.push(e));
      await writer.putProcess(processRecord(appName(), 'elsewhere'));
      await writer.putProcess(processRecord(app, 'p1', { status: 'swapping-in' }));
      await writer.putProcess(processRecord(app, 'p1', { status: 'active' }));
      await writer.deleteProcess(app, 'p1');
      await until(() => events.length >= 3, 'three process events');
      assert.deepEqual(
        events.map((e) => [e.type, e.record.pid, e.type === 'put' ? e.record.status : '-']),
        [
          ['put', 'p1', 'swapping-in'],
          ['put', 'p1', 'active'],
          ['deleted', 'p1', '-'],
        ],
      );
      assert.equal(events[2]!.record.app, app);
      await sub.unsubscribe();
      await writer.putProcess(processRecord(app, 'p2'));
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.equal(events.length, 3);
    });

    /** A watch that records its events and markers in one timeline: `put:p1`, `deleted:p2`, `snapshot`, `synced`. */
    const timeline = async (
      r: Registry,
      app: string,
      replay: RegistryWatchOptions['replay'],
    ): Promise<{ lines: string[]; events: ProcessEvent[]; sub: Subscription }> => {
      const lines: string[] = [];
      const events: ProcessEvent[] = [];
      const sub = await r.watchProcesses(
        app,
        (e) => {
          events.push(e);
          lines.push(`${e.type}:${e.record.pid}`);
        },
        {
          ...(replay === undefined ? {} : { replay }),
          onSnapshot: () => lines.push('snapshot'),
          onSynced: () => lines.push('synced'),
        },
      );
      return { lines, events, sub };
    };

    it('replays a snapshot of the current records in revision order, marked, then the changes', async () => {
      const r = await make();
      const writer = await make();
      const app = appName();
      await writer.putProcess(processRecord(app, 'p1'));
      await writer.putProcess(processRecord(app, 'p2'));
      await writer.putProcess(processRecord(app, 'p3'));
      await writer.deleteProcess(app, 'p2');
      await writer.putProcess(processRecord(app, 'p1', { status: 'swapped' }));
      const watch = await timeline(r, app, 'snapshot');
      await until(() => watch.lines.includes('synced'), 'the end of the snapshot');
      await writer.putProcess(processRecord(app, 'p4'));
      await until(() => watch.lines.length >= 5, 'the change after the snapshot');
      assert.deepEqual(watch.lines, ['snapshot', 'put:p3', 'put:p1', 'synced', 'put:p4']);
      assert.equal(watch.events[1]!.record.status, 'swapped');
      assert.equal(watch.events[1]!.revision, (await r.getProcessVersioned(app, 'p1'))!.revision);
      assert.ok(
        watch.events[0]!.revision < watch.events[1]!.revision && watch.events[1]!.revision < watch.events[2]!.revision,
      );
      await watch.sub.unsubscribe();
    });

    it('resumes after a revision with what changed since, deletions included, then the changes', async () => {
      const r = await make();
      const writer = await make();
      const app = appName();
      await writer.putProcess(processRecord(app, 'kept'));
      await writer.putProcess(processRecord(app, 'gone'));
      await writer.putProcess(processRecord(app, 'changed'));
      const seen = (await r.getProcessVersioned(app, 'changed'))!.revision;
      await writer.putProcess(processRecord(app, 'new'));
      await writer.putProcess(processRecord(appName(), 'elsewhere'));
      await writer.putProcess(processRecord(app, 'changed', { status: 'swapped' }));
      await writer.deleteProcess(app, 'gone');
      const watch = await timeline(r, app, { afterRevision: seen });
      await until(() => watch.lines.includes('synced'), 'the end of the replay');
      await writer.putProcess(processRecord(app, 'later'));
      await until(() => watch.lines.length >= 5, 'the change after the replay');
      assert.deepEqual(watch.lines, ['put:new', 'put:changed', 'deleted:gone', 'synced', 'put:later']);
      assert.equal(watch.events[1]!.record.status, 'swapped');
      assert.equal(watch.events[2]!.record.app, app);
      assert.ok(watch.events.every((e) => e.revision > seen));
      // Resuming after the last event seen replays nothing.
      const caughtUp = await timeline(r, app, { afterRevision: watch.events[3]!.revision });
      await until(() => caughtUp.lines.includes('synced'), 'the end of the empty replay');
      assert.deepEqual(caughtUp.lines, ['synced']);
      await watch.sub.unsubscribe();
      await caughtUp.sub.unsubscribe();
    });

    it('replays a snapshot when asked to resume after a revision it has not reached', async () => {
      const r = await make();
      const app = appName();
      await r.putProcess(processRecord(app, 'p1'));
      const future = (await r.getProcessVersioned(app, 'p1'))!.revision + 1_000_000;
      const watch = await timeline(r, app, { afterRevision: future });
      await until(() => watch.lines.includes('synced'), 'the end of the snapshot');
      assert.deepEqual(watch.lines, ['snapshot', 'put:p1', 'synced']);
      await watch.sub.unsubscribe();
      await assert.rejects(
        r.watchProcesses(app, () => undefined, { replay: { afterRevision: -1 } }),
        /afterRevision/,
      );
    });

    it('stores host heartbeats per application, one record per host', async () => {
      const r = await make();
      const app = appName();
      await r.putHost({ id: 'h1', app, startedAt: 1, heartbeatAt: 10, activeProcesses: 0 });
      await r.putHost({ id: 'h1', app, startedAt: 1, heartbeatAt: 20, activeProcesses: 2 });
      await r.putHost({ id: 'h2', app, startedAt: 2, heartbeatAt: 20, activeProcesses: 1 });
      await r.putHost({ id: 'h1', app: appName(), startedAt: 1, heartbeatAt: 20, activeProcesses: 0 });
      const hosts = (await r.listHosts(app)).sort((a, b) => a.id.localeCompare(b.id));
      assert.deepEqual(
        hosts.map((h) => [h.id, h.heartbeatAt, h.activeProcesses]),
        [
          ['h1', 20, 2],
          ['h2', 20, 1],
        ],
      );
      await r.deleteHost(app, 'h1');
      assert.deepEqual(
        (await r.listHosts(app)).map((h) => h.id),
        ['h2'],
      );
    });

    it("keeps a host's direct data-plane address for a second client", async () => {
      const writer = await make();
      const reader = await make();
      const app = appName();
      await writer.putHost({
        id: 'h1',
        app,
        startedAt: 1,
        heartbeatAt: 1,
        activeProcesses: 0,
        dataAddress: '10.0.0.7:7400',
      });
      await writer.putHost({ id: 'h2', app, startedAt: 1, heartbeatAt: 1, activeProcesses: 0 });
      const hosts = (await reader.listHosts(app)).sort((a, b) => a.id.localeCompare(b.id));
      assert.deepEqual(
        hosts.map((h) => [h.id, h.dataAddress]),
        [
          ['h1', '10.0.0.7:7400'],
          ['h2', undefined],
        ],
      );
    });

    it('deletes an application with its processes, and leaves the hosts’ own records', async () => {
      const r = await make();
      const app = appName();
      await r.putApp({ name: app, incarnation: 'i1', createdAt: 1, processClasses: ['Counter'] });
      await r.putProcess(processRecord(app, 'p1'));
      await r.putHost({ id: 'h1', app, startedAt: 1, heartbeatAt: 1, activeProcesses: 1 });
      await r.deleteApp(app);
      assert.equal(await r.getApp(app), undefined);
      assert.deepEqual(await r.listProcesses(app), []);
      assert.equal(await r.getProcessVersioned(app, 'p1'), undefined);
      // A host of a static pool keeps running after its application is deleted, and says so.
      assert.deepEqual(
        (await r.listHosts(app)).map((h) => h.id),
        ['h1'],
      );
    });
  });
}
