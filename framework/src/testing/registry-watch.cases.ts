import assert from 'node:assert/strict';
import type { ProcessEvent, Registry, RegistryWatchOptions } from '../registry/registry';
import type { Subscription } from '../transport/transport';
import { until } from './contract-support';
import { appName, processRecord, type MakeRegistry } from './registry-fixtures';

/** The registry contract's cases of `watchProcesses`; registered into the calling `describe`. */
export function registryWatchCases(make: MakeRegistry): void {
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
}
