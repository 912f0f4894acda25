import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bundleKey,
  DataPlaneClient,
  decode,
  encode,
  Fn,
  MemoryRegistry,
  MemoryTransport,
  Migrate,
  newId,
  Process,
  State,
  unwrapReply,
  type Constructor,
  type MigrationState,
} from '@praas/framework/internal';
import { FsSwapStore, RuntimeHost, type CodeSource, type CodeVersion } from '../../src';

/** Version 1: a counter with `total`. */
function counterV1(): Constructor {
  @Process({ name: 'Counter' })
  class Counter {
    @State() total = 0;
    @Fn() add(n: number): unknown {
      this.total += n;
      return { total: this.total };
    }
  }
  return Counter;
}

/** Version 2 (state version 2): `total` renamed `count`, and `doubled` computed from it; the migration refuses a total of 13. */
function counterV2(): Constructor {
  @Process({ name: 'Counter', version: 2 })
  class Counter {
    @State() count = 0;
    @State() doubled = 0;
    @Migrate(1) static split({ fields }: MigrationState): void {
      if (fields['total'] === 13) throw new Error('unlucky total');
      fields['count'] = fields['total'];
      fields['doubled'] = (fields['total'] as number) * 2;
      delete fields['total'];
    }
    @Fn() add(n: number): unknown {
      this.count += n;
      this.doubled += 2 * n;
      return { count: this.count, doubled: this.doubled };
    }
  }
  return Counter;
}

/** Versions 1 and 2 as above; version 3 is version 1's code again (a rollback). */
class UpgradeCode implements CodeSource {
  readonly loads: number[] = [];
  readonly unloads: number[] = [];
  load({ version }: CodeVersion): Promise<readonly Constructor[]> {
    this.loads.push(version);
    return Promise.resolve([version === 2 ? counterV2() : counterV1()]);
  }
  unload({ version }: CodeVersion): Promise<void> {
    this.unloads.push(version);
    return Promise.resolve();
  }
}

describe('upgrades: processes move to new code at swap-in or in a rolling upgrade (DESIGN §6)', function () {
  let dir: string;
  let transport: MemoryTransport;
  let registry: MemoryRegistry;
  let host: RuntimeHost;

  beforeEach(async function () {
    dir = mkdtempSync(join(tmpdir(), 'praas-upgrade-'));
    transport = new MemoryTransport();
    registry = new MemoryRegistry();
    await deploy(1);
    host = new RuntimeHost({
      app: 'tally',
      code: new UpgradeCode(),
      transport,
      registry,
      store: new FsSwapStore(dir),
      heartbeatMs: 600_000,
    });
    await host.start();
  });

  afterEach(async function () {
    await host.stop({ swapOut: false });
    await registry.close();
    await transport.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Records version `version` as the newest; `upgradeTo` as a deploy with idle or rolling would. */
  function deploy(version: number, upgradeTo?: number, app = 'tally'): Promise<void> {
    return registry.putApp({
      name: app,
      incarnation: 'i1',
      createdAt: 1,
      processClasses: ['Counter'],
      version,
      bundle: bundleKey(app, 'i1', version),
      ...(upgradeTo === undefined ? {} : { upgradeTo }),
    });
  }

  const add = async (pid: string, n: number): Promise<unknown> => {
    const client = new DataPlaneClient(transport, registry, 'tally');
    const reply = await client.invoke(pid, { t: 'inv', id: newId(), from: 'client:test', fn: 'add', data: encode(n) });
    return decode(unwrapReply(reply)!);
  };

  const versions = async (pid: string) => {
    const r = await registry.getProcess('tally', pid);
    return { version: r?.version, stateVersion: r?.stateVersion, upgradeError: r?.upgradeError?.code };
  };

  it('pins processes when the deploy does not move them (none)', async function () {
    await host.create('p', 'Counter');
    await add('p', 5);
    await deploy(2);
    await host.refreshCode();
    await host.swapOut('p');
    await host.activate('p');
    assert.deepEqual(await versions('p'), { version: 1, stateVersion: 1, upgradeError: undefined });
    assert.deepEqual(await add('p', 1), { total: 6 });
  });

  it('moves a process at its next swap-in (idle), migrating its state, and not before', async function () {
    await host.create('p', 'Counter');
    await add('p', 5);
    await deploy(2, 2);
    await host.refreshCode();
    assert.deepEqual(await add('p', 1), { total: 6 }, 'still active: still version 1');
    assert.deepEqual(await versions('p'), { version: 1, stateVersion: 1, upgradeError: undefined });
    await host.swapOut('p');
    const info = await host.activate('p');
    assert.deepEqual([info.version, info.stateVersion], [2, 2]);
    assert.deepEqual(await add('p', 1), { count: 7, doubled: 14 });
    assert.deepEqual(await versions('p'), { version: 2, stateVersion: 2, upgradeError: undefined });
  });

  it('moves an active process now (rolling), keeping it active; a process on the version already is left alone', async function () {
    await host.create('p', 'Counter');
    await add('p', 4);
    await deploy(2, 2);
    const moved = await host.upgrade('p', 2);
    assert.deepEqual([moved.status, moved.version, moved.stateVersion], ['active', 2, 2]);
    assert.deepEqual(await add('p', 1), { count: 5, doubled: 10 });
    const again = await host.upgrade('p', 2);
    assert.equal(again.generation, moved.generation, 'not swapped out again');
  });

  it('leaves a process whose migration throws on its old version and snapshot, with the error recorded, until another deploy', async function () {
    await host.create('p', 'Counter');
    await add('p', 13);
    await deploy(2, 2);
    const stuck = await host.upgrade('p', 2);
    assert.equal(stuck.status, 'active');
    assert.equal(stuck.version, 1);
    assert.equal(stuck.upgradeError?.code, 'MIGRATION_FAILED');
    assert.match(stuck.upgradeError.message, /unlucky total/);
    assert.deepEqual(await versions('p'), { version: 1, stateVersion: 1, upgradeError: 'MIGRATION_FAILED' });
    assert.deepEqual(await add('p', 1), { total: 14 }, 'version 1 code, with its state');
    await host.swapOut('p');
    await host.activate('p');
    assert.deepEqual(
      await versions('p'),
      { version: 1, stateVersion: 1, upgradeError: 'MIGRATION_FAILED' },
      'not tried again for the same version',
    );
    // A rollback deploy (version 3 = version 1's code) moves it, as its state is of version 1, and clears the error.
    await deploy(3, 3);
    const rolledBack = await host.upgrade('p', 3);
    assert.deepEqual([rolledBack.version, rolledBack.stateVersion, rolledBack.upgradeError], [3, 1, undefined]);
    assert.deepEqual(await add('p', 1), { total: 15 });
  });

  it('refuses a rollback onto code older than the snapshot per process, which stays on its version', async function () {
    await host.create('p', 'Counter');
    await add('p', 2);
    await deploy(2, 2);
    await host.upgrade('p', 2);
    assert.deepEqual(await add('p', 1), { count: 3, doubled: 6 });
    await deploy(3, 3);
    const refused = await host.upgrade('p', 3);
    assert.deepEqual(
      [refused.status, refused.version, refused.upgradeError?.code],
      ['active', 2, 'STATE_VERSION_TOO_NEW'],
    );
    assert.match(refused.upgradeError!.message, /state version 2 of 'Counter', newer than version 1 of the code/);
    assert.deepEqual(await add('p', 1), { count: 4, doubled: 8 }, 'it keeps running version 2 with its state');
    const created = await host.create('q', 'Counter');
    assert.deepEqual([created.version, created.stateVersion], [3, 1], 'new processes get the rollback');
  });

  it('fails an upgrade to a version that is not deployed without touching the process', async function () {
    await host.create('p', 'Counter');
    await add('p', 2);
    await assert.rejects(host.upgrade('p', 9), /CODE_LOAD_FAILED|version 9 is not deployed/);
    assert.deepEqual(await versions('p'), { version: 1, stateVersion: 1, upgradeError: undefined });
    assert.equal((await registry.getProcess('tally', 'p'))?.status, 'active');
  });

  it('unloads a code version once no process here runs it, and loads it again when one swaps in', async function () {
    await deploy(1, undefined, 'ledger');
    const code = new UpgradeCode();
    const beating = new RuntimeHost({
      app: 'ledger',
      code,
      transport,
      registry,
      store: new FsSwapStore(dir),
      heartbeatMs: 10,
    });
    await beating.start();
    try {
      const client = new DataPlaneClient(transport, registry, 'ledger');
      const call = async (pid: string, n: number): Promise<unknown> =>
        decode(
          unwrapReply(
            await client.invoke(pid, { t: 'inv', id: newId(), from: 'client:test', fn: 'add', data: encode(n) }),
          )!,
        );
      await beating.create('a', 'Counter');
      await beating.create('b', 'Counter');
      await call('a', 1);
      await deploy(2, 2, 'ledger');
      await beating.refreshCode();
      await beating.upgrade('a', 2);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(code.unloads, [], 'b still runs version 1');
      await beating.swapOut('b');
      await deploy(2, undefined, 'ledger'); // upgradeTo gone: b would swap in on version 1
      for (const end = Date.now() + 5_000; code.unloads.length === 0 && Date.now() < end;)
        await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(code.unloads, [1]);
      const loadsBefore = code.loads.filter((v) => v === 1).length;
      await beating.activate('b');
      assert.deepEqual(await call('b', 2), { total: 2 }, 'version 1 loaded again for b');
      assert.equal(code.loads.filter((v) => v === 1).length, loadsBefore + 1);
    } finally {
      await beating.stop({ swapOut: false });
    }
  });
});
