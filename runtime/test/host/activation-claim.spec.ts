import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  encodeWire,
  Fn,
  hostSubject,
  MemoryLogger,
  MemoryRegistry,
  MemoryTransport,
  Process,
  State,
  type ProcessRecord,
} from '@praas/framework/internal';
import { FsSwapStore, RuntimeHost } from '../../src';
import { ActivationClaims } from '../../src/host/activation-claim';
import { CodeVersions } from '../../src/host/code-versions';
import { PeerHosts } from '../../src/host/peer-hosts';

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

describe('ActivationClaims', function () {
  const APP = 'claims';
  let transport: MemoryTransport;
  let registry: FlakyRegistry;
  let logger: MemoryLogger;
  let claims: ActivationClaims;

  /** A registry whose process writes fail while `failing` is set. */
  class FlakyRegistry extends MemoryRegistry {
    failing = false;
    override updateProcess(record: ProcessRecord, expectedRevision: number): Promise<number | undefined> {
      if (this.failing) return Promise.reject(new Error('registry unavailable'));
      return super.updateProcess(record, expectedRevision);
    }
    override deleteProcess(app: string, pid: string): Promise<void> {
      if (this.failing) return Promise.reject(new Error('registry unavailable'));
      return super.deleteProcess(app, pid);
    }
  }

  const record = (pid: string, fields: Partial<ProcessRecord> = {}): ProcessRecord => ({
    app: APP,
    pid,
    processClass: 'Tally',
    status: 'swapped',
    generation: 1,
    updatedAt: 1,
    ...fields,
  });
  const heartbeat = (id: string): Promise<void> =>
    registry.putHost({ id, app: APP, startedAt: 1, heartbeatAt: Date.now(), activeProcesses: 0 });

  beforeEach(function () {
    transport = new MemoryTransport();
    registry = new FlakyRegistry();
    logger = new MemoryLogger();
    const code = new CodeVersions({ app: APP, hostId: 'me', registry, processes: [Tally], logger });
    const peers = new PeerHosts({ app: APP, hostId: 'me', transport, registry });
    claims = new ActivationClaims({ app: APP, hostId: 'me', registry, code, peers, logger, claimTimeoutMs: 200 });
  });
  afterEach(async function () {
    await registry.close();
    await transport.close();
  });

  it('wins a swapped process: its record says swapping-in on this host', async function () {
    await registry.putProcess(record('p'));
    const claim = await claims.claim('p');
    assert.ok(claim.won);
    assert.deepEqual(claim.previous, record('p'));
    const now = await registry.getProcess(APP, 'p');
    assert.deepEqual([now?.status, now?.host], ['swapping-in', 'me']);
  });

  it('refuses a process that does not exist, was deleted, or has a class this host does not run', async function () {
    await assert.rejects(claims.claim('none'), { code: 'PROCESS_NOT_FOUND' });
    await registry.putProcess(record('deleted', { status: 'deleted' }));
    await assert.rejects(claims.claim('deleted'), { code: 'PROCESS_NOT_FOUND' });
    await registry.putProcess(record('other', { processClass: 'Ledger' }));
    await assert.rejects(claims.claim('other'), { code: 'PROCESS_CLASS_NOT_FOUND' });
  });

  it('leaves a process a live host holds to that host, and takes over one whose host is gone', async function () {
    await heartbeat('h2');
    await transport.serve(hostSubject(APP, 'h2'), () =>
      Promise.resolve(
        encodeWire({
          ok: true,
          data: encodeWire({ app: APP, pid: 'held', status: 'active', host: 'h2' }),
        }),
      ),
    );
    await registry.putProcess(record('held', { status: 'active', host: 'h2' }));
    const lost = await claims.claim('held');
    assert.ok(!lost.won);
    assert.equal(lost.holder.host, 'h2');

    // h3's heartbeat is fresh, but nothing serves it any more: it died.
    await heartbeat('h3');
    await registry.putProcess(record('orphan', { status: 'active', host: 'h3' }));
    assert.equal((await claims.claim('orphan')).won, true);
  });

  it('waits while a live host swaps the process out, and gives up after the claim timeout', async function () {
    await heartbeat('h2');
    await registry.putProcess(record('leaving', { status: 'swapping-out', host: 'h2' }));
    await assert.rejects(claims.claim('leaving'), { code: 'PROCESS_UNAVAILABLE' });
    const claiming = claims.claim('leaving');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await registry.putProcess(record('leaving', { status: 'swapped', generation: 2 }));
    const claim = await claiming;
    assert.ok(claim.won);
    assert.equal(claim.previous.generation, 2);
  });

  it('gives a claim back as the record was, and logs when it cannot', async function () {
    await registry.putProcess(record('p'));
    const claim = await claims.claim('p');
    assert.ok(claim.won);
    await claims.release(claim);
    assert.deepEqual({ ...(await registry.getProcess(APP, 'p')), updatedAt: 1 }, record('p'));

    const again = await claims.claim('p');
    assert.ok(again.won);
    registry.failing = true;
    await claims.release(again);
    const [warning] = logger.at('warn', 'cannot give back the claim');
    assert.equal(warning?.['pid'], 'p');
  });

  it('claims a new pid once, over a deleted record, and logs when it cannot give it back', async function () {
    await claims.claimNew({ pid: 'n', processClass: 'Tally' });
    const created = await registry.getProcess(APP, 'n');
    assert.deepEqual([created?.status, created?.host, created?.generation], ['swapping-in', 'me', 0]);
    await assert.rejects(claims.claimNew({ pid: 'n', processClass: 'Tally' }), { code: 'ALREADY_EXISTS' });
    await registry.putProcess(record('reused', { status: 'deleted' }));
    await claims.claimNew({ pid: 'reused', processClass: 'Tally', version: 2, incarnation: 'i1' });
    assert.deepEqual(
      [(await registry.getProcess(APP, 'reused'))?.version, (await registry.getProcess(APP, 'reused'))?.incarnation],
      [2, 'i1'],
    );
    await claims.releaseNew('n');
    assert.equal(await registry.getProcess(APP, 'n'), undefined);
    registry.failing = true;
    await claims.releaseNew('reused');
    assert.equal(logger.at('warn', 'cannot remove the record').length, 1);
  });
});
