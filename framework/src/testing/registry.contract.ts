import assert from 'node:assert/strict';
import type { Registry } from '../registry/registry';
import { instancesPerTest, type ContractInstances } from './contract-support';
import { byPid, appName, processRecord } from './registry-fixtures';
import { registryPageCases } from './registry-pages.cases';
import { registryWatchCases } from './registry-watch.cases';

/** How the registry contract gets the registries it tests. */
export interface RegistryContractOptions extends ContractInstances<Registry> {
  /** Creates a registry; a second call gives a second client of the same registry. */
  create(): Promise<Registry>;
  /** Called after each test with every registry created during it (default: close each). */
  dispose?(registries: Registry[]): Promise<void>;
}

/**
 * The behaviour every Registry must have (DESIGN §5). Runs unchanged against the in-memory and
 * the NATS KV implementation, so the two cannot drift.
 */
export function registryContract(name: string, options: RegistryContractOptions): void {
  describe(`Registry contract: ${name}`, function () {
    const make = instancesPerTest(options);

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

    registryPageCases(make);

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

    registryWatchCases(make);

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
