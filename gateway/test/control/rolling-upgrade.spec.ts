import assert from 'node:assert/strict';
import {
  decodeControl,
  encodeWire,
  hostSubject,
  MemoryRegistry,
  MemoryTransport,
  processInfo,
  toWireError,
  MigrationFailedError,
  type ControlRequest,
  type ProcessRecord,
} from '@praas/framework/internal';
import { ControlPlane } from '../../src';
import { bundleOf, MemoryBundleStore } from '../support/memory-bundles';
import { stubProvider } from '../support/stub-provider';

const bundle = bundleOf('tally');

/**
 * A runtime host stand-in on the memory transport: it answers `upgrade` as a host does (moves the
 * process's record to the version, or leaves it with an upgrade error when its pid is in `refuse`),
 * records `refresh-code`, and counts how many upgrades run at once.
 */
class FakeHost {
  readonly requests: ControlRequest[] = [];
  readonly refuse = new Set<string>();
  running = 0;
  mostAtOnce = 0;
  constructor(
    private readonly registry: MemoryRegistry,
    readonly id: string,
  ) {}

  async serve(transport: MemoryTransport): Promise<void> {
    await transport.serve(hostSubject('tally', this.id), async (bytes) => {
      const request = decodeControl(bytes);
      this.requests.push(request);
      try {
        if (request.op === 'refresh-code') return encodeWire({ ok: true });
        this.running++;
        this.mostAtOnce = Math.max(this.mostAtOnce, this.running);
        await new Promise((resolve) => setTimeout(resolve, 2));
        const record = (await this.registry.getProcess('tally', request.pid))!;
        const version = request.version!;
        const next: ProcessRecord = this.refuse.has(request.pid)
          ? { ...record, upgradeError: { version, code: 'MIGRATION_FAILED', message: 'Counter.up1 threw no' } }
          : { ...record, version, stateVersion: 2 };
        await this.registry.putProcess(next);
        return encodeWire({ ok: true, data: encodeWire(processInfo(next)) });
      } catch (e) {
        return encodeWire({ ok: false, error: toWireError(e) });
      } finally {
        if (request.op === 'upgrade') this.running--;
      }
    });
  }
}

describe('rolling upgrades and the versions census, through the control plane', function () {
  let registry: MemoryRegistry;
  let transport: MemoryTransport;
  let plane: ControlPlane;
  let host: FakeHost;

  beforeEach(async function () {
    registry = new MemoryRegistry();
    transport = new MemoryTransport();
    plane = new ControlPlane({ transport, registry, provider: stubProvider(), bundles: new MemoryBundleStore() });
    host = new FakeHost(registry, 'h1');
    await host.serve(transport);
    await plane.deployVersion('tally', bundle);
    const { incarnation } = (await registry.getApp('tally'))!;
    await registry.putHost({ id: 'h1', app: 'tally', startedAt: 1, heartbeatAt: Date.now(), activeProcesses: 30 });
    for (let i = 0; i < 40; i++)
      await registry.putProcess({
        app: 'tally',
        pid: `p${String(i).padStart(2, '0')}`,
        processClass: 'Counter',
        // Every fourth one is swapped out: a rolling upgrade leaves it to its next swap-in.
        status: i % 4 === 3 ? 'swapped' : 'active',
        ...(i % 4 === 3 ? {} : { host: 'h1' }),
        generation: 1,
        version: 1,
        stateVersion: 1,
        incarnation,
        updatedAt: 1,
      });
  });
  afterEach(async function () {
    await registry.close();
    await transport.close();
  });

  it('moves every active process on an older version, at most a wave at once, and reports the ones that stayed', async function () {
    host.refuse.add('p05');
    const app = await plane.deployVersion('tally', bundle, { upgrade: 'rolling', wave: 4 });
    assert.equal(app.version, 2);
    assert.equal(app.upgradeTo, 2);
    assert.deepEqual(app.upgrade, {
      policy: 'rolling',
      moved: 29,
      skipped: 0,
      failed: [{ pid: 'p05', version: 2, code: 'MIGRATION_FAILED', message: 'Counter.up1 threw no' }],
    });
    const upgrades = host.requests.filter((r) => r.op === 'upgrade');
    assert.equal(upgrades.length, 30, 'each active process once, no swapped one');
    assert.ok(upgrades.every((r) => r.version === 2));
    assert.ok(host.mostAtOnce <= 4, `at most a wave at once, saw ${host.mostAtOnce}`);
    assert.ok(host.mostAtOnce > 1, 'the wave runs side by side');
    assert.equal(host.requests[0]?.op, 'refresh-code', 'hosts are told to load the version first');

    const census = await plane.listVersions('tally');
    assert.deepEqual(census, {
      app: 'tally',
      newest: 2,
      upgradeTo: 2,
      counts: [
        { version: 1, stateVersion: 1, processes: 11, active: 1 },
        { version: 2, stateVersion: 2, processes: 29, active: 29 },
      ],
      failed: [{ pid: 'p05', version: 2, code: 'MIGRATION_FAILED', message: 'Counter.up1 threw no' }],
      failedTotal: 1,
    });
  });

  it('moves nobody now with idle or none; none keeps the earlier target, idle sets its own', async function () {
    // A host whose heartbeat is stale is not asked to load the version.
    const stale = new FakeHost(registry, 'h2');
    await stale.serve(transport);
    await registry.putHost({ id: 'h2', app: 'tally', startedAt: 1, heartbeatAt: 1, activeProcesses: 0 });
    const idle = await plane.deployVersion('tally', bundle);
    assert.deepEqual([idle.version, idle.upgradeTo, idle.upgrade?.policy], [2, 2, 'idle']);
    const pinned = await plane.deployVersion('tally', bundle, { upgrade: 'none' });
    assert.deepEqual([pinned.version, pinned.upgradeTo, pinned.upgrade?.policy], [3, 2, 'none']);
    assert.deepEqual(
      host.requests.map((r) => [r.op, r.version]),
      [
        ['refresh-code', 2],
        ['refresh-code', 3],
      ],
    );
    assert.deepEqual(stale.requests, []);
  });

  it('refuses an unknown policy or a wave out of range, before anything is stored', async function () {
    await assert.rejects(
      plane.deployVersion('tally', bundle, { upgrade: 'eager' as 'idle' }),
      /upgrade policy 'eager' is not one of none, idle, rolling/,
    );
    await assert.rejects(
      plane.deployVersion('tally', bundle, { upgrade: 'rolling', wave: 0 }),
      /the wave of a rolling upgrade must be a whole number from 1 to 1000, got 0/,
    );
    assert.equal((await registry.getApp('tally'))?.version, 1);
  });

  it('reports a host that fails a process as a failure of that process, and goes on', async function () {
    await transport.close();
    transport = new MemoryTransport();
    plane = new ControlPlane({ transport, registry, provider: stubProvider(), bundles: new MemoryBundleStore() });
    await transport.serve(hostSubject('tally', 'h1'), (bytes) => {
      const request = decodeControl(bytes);
      const error = new MigrationFailedError(
        { processClass: 'Counter', pid: request.pid, from: 1, to: 2 },
        'the host broke',
      );
      return Promise.resolve(
        encodeWire(
          request.op === 'upgrade' && request.pid === 'p00'
            ? { ok: false, error: toWireError(error) }
            : {
                ok: true,
                data: encodeWire(
                  processInfo({
                    app: 'tally',
                    pid: request.pid,
                    processClass: 'Counter',
                    status: 'active',
                    host: 'h1',
                    generation: 2,
                    version: 2,
                    updatedAt: 1,
                  }),
                ),
              },
        ),
      );
    });
    const app = await plane.deployVersion('tally', bundle, { upgrade: 'rolling' });
    assert.equal(app.upgrade?.moved, 29);
    assert.deepEqual(
      app.upgrade?.failed.map((f) => [f.pid, f.code]),
      [['p00', 'MIGRATION_FAILED']],
    );
  });
});
