import assert from 'node:assert/strict';
import { MemoryRegistry } from '../src/internal';
import { registryContract } from '../src/testing';

// Clients of the in-memory registry share one instance, the way the components of the embedded mode do.
let shared: MemoryRegistry | undefined;
registryContract('MemoryRegistry', {
  create: () => Promise.resolve((shared ??= new MemoryRegistry())),
  dispose: async () => {
    await shared?.close();
    shared = undefined;
  },
});

describe('MemoryRegistry: resuming a watch', function () {
  const record = (pid: string) => ({
    app: 'a',
    pid,
    processClass: 'C',
    status: 'active' as const,
    generation: 0,
    updatedAt: 1,
  });
  const replayOf = async (registry: MemoryRegistry, afterRevision: number): Promise<string[]> => {
    const lines: string[] = [];
    let synced!: () => void;
    const done = new Promise<void>((resolve) => (synced = resolve));
    const sub = await registry.watchProcesses('a', (e) => lines.push(`${e.type}:${e.record.pid}`), {
      replay: { afterRevision },
      onSnapshot: () => lines.push('snapshot'),
      onSynced: () => synced(),
    });
    await done;
    await sub.unsubscribe();
    return lines;
  };

  it('replays a snapshot once a deletion after the revision was forgotten', async function () {
    const registry = new MemoryRegistry({ deletionsKept: 1 });
    for (const pid of ['p1', 'p2', 'p3']) await registry.putProcess(record(pid));
    const seen = (await registry.getProcessVersioned('a', 'p3'))!.revision;
    await registry.deleteProcess('a', 'p1');
    assert.deepEqual(await replayOf(registry, seen), ['deleted:p1']);
    await registry.deleteProcess('a', 'p2');
    assert.deepEqual(await replayOf(registry, seen), ['snapshot', 'put:p3'], 'the deletion of p1 is forgotten');
    await registry.close();
  });

  it('replays a snapshot across the deletion of the whole application', async function () {
    const registry = new MemoryRegistry();
    await registry.putProcess(record('p1'));
    const seen = (await registry.getProcessVersioned('a', 'p1'))!.revision;
    await registry.deleteApp('a');
    await registry.putProcess(record('p2'));
    assert.deepEqual(await replayOf(registry, seen), ['snapshot', 'put:p2']);
    await registry.close();
  });
});
