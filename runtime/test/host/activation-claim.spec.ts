import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Fn, MemoryRegistry, MemoryTransport, Process, State } from '@praas/framework';
import { FsSwapStore, RuntimeHost } from '../../src';

@Process()
class Tally {
  @State() count = 0;

  @Fn()
  bump(): number {
    return ++this.count;
  }
}

describe('RuntimeHost activation claim', function () {
  let dir: string;
  let transport: MemoryTransport;
  let registry: MemoryRegistry;
  let hosts: RuntimeHost[];

  beforeEach(async function () {
    dir = mkdtempSync(join(tmpdir(), 'praas-claim-'));
    transport = new MemoryTransport();
    registry = new MemoryRegistry();
    const store = new FsSwapStore(dir);
    hosts = ['h1', 'h2', 'h3'].map(
      (hostId) => new RuntimeHost({ app: 'claims', hostId, processes: [Tally], transport, registry, store }),
    );
    for (const h of hosts) await h.start();
  });

  afterEach(async function () {
    for (const h of hosts) await h.stop({ swapOut: false });
    await registry.close();
    await transport.close();
    await rm(dir, { recursive: true, force: true });
  });

  const holders = (pid: string): string[] => hosts.filter((h) => h.local(pid)?.status === 'active').map((h) => h.id);

  it('swaps a process in on exactly one host when several hosts activate it at once', async function () {
    await hosts[0]!.create('t1', 'Tally');
    for (let round = 0; round < 5; round++) {
      const holder = hosts.find((h) => h.local('t1'))!;
      await holder.swapOut('t1');
      const infos = await Promise.all(hosts.map((h) => h.activate('t1')));
      const owners = holders('t1');
      assert.equal(owners.length, 1, `active on ${owners.join(', ')}`);
      // A host that lost the claim answers with the winner's record (active, or still swapping in).
      for (const info of infos) {
        assert.ok(info.status === 'active' || info.status === 'swapping-in', info.status);
        if (info.host !== undefined) assert.equal(info.host, owners[0]);
      }
      const record = await registry.getProcess('claims', 't1');
      assert.deepEqual([record?.status, record?.host], ['active', owners[0]]);
    }
  });

  it('lets only one of several hosts create the same pid', async function () {
    const results = await Promise.allSettled(hosts.map((h) => h.create('solo', 'Tally')));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results) if (r.status === 'rejected') assert.match(String(r.reason), /already exists/);
    assert.equal(holders('solo').length, 1);
  });

  it('takes over a process whose host is gone from the registry', async function () {
    await hosts[0]!.create('orphan', 'Tally');
    // The holder stops without swapping out and deregisters: its record still says active on h1.
    await hosts[0]!.stop({ swapOut: false });
    assert.equal((await registry.getProcess('claims', 'orphan'))?.host, 'h1');
    const info = await hosts[1]!.activate('orphan');
    assert.deepEqual([info.status, info.host], ['active', 'h2']);
  });
});
