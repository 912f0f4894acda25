import assert from 'node:assert/strict';
import {
  decodeControl,
  encodeWire,
  hostSubject,
  MemoryRegistry,
  MemoryTransport,
  processSubject,
  type HostRecord,
  type ProcessInfo,
} from '@praas/framework';
import { ControlPlane, RegisteredHostProvider } from '../../src';
import { RecentPlacements } from '../../src/placement/recent-placements';

const host = (id: string, heartbeatAt: number, activeProcesses = 0): HostRecord => ({
  id,
  app: 'a',
  startedAt: 0,
  heartbeatAt,
  activeProcesses,
});

describe('placement: processes placed since the last heartbeat', () => {
  it('counts placements made after a host’s heartbeat, and forgets those the heartbeat already counts', () => {
    const recent = new RecentPlacements();
    recent.record('h1', 1_000);
    recent.record('h1', 2_000);
    recent.record('h2', 2_000);
    const adjusted = recent.adjust([host('h1', 1_500, 3), host('h2', 2_500, 1)], 3_000);
    assert.deepEqual(
      adjusted.map((h) => [h.id, h.activeProcesses]),
      [
        ['h1', 4],
        ['h2', 1],
      ],
    );
    // Long after, nothing recent is left to count.
    assert.equal(recent.adjust([host('h1', 0, 0)], 60_000)[0]!.activeProcesses, 0);
  });

  it('spreads a burst of creates over the hosts before any heartbeat reports them', async () => {
    const transport = new MemoryTransport();
    const registry = new MemoryRegistry();
    const now = Date.now();
    const placed: string[] = [];
    for (const id of ['host-a', 'host-b', 'host-c']) {
      await registry.putHost({ ...host(id, now), processClasses: ['P'] });
      // A fake host that answers create requests and never heartbeats again.
      await transport.serve(hostSubject('a', id), (bytes) => {
        const request = decodeControl(bytes);
        placed.push(id);
        const info: ProcessInfo = {
          app: 'a',
          pid: request.pid,
          processClass: 'P',
          status: 'active',
          address: processSubject('a', request.pid),
          generation: 0,
          host: id,
        };
        return Promise.resolve(encodeWire({ ok: true, data: encodeWire(info) }));
      });
    }
    const plane = new ControlPlane({ transport, registry, provider: new RegisteredHostProvider(registry) });
    try {
      await plane.createApp('a', { processClasses: ['P'] });
      await Promise.all(Array.from({ length: 6 }, (_, i) => plane.createProcess('a', { pid: `p${i}` })));
      for (let i = 6; i < 9; i++) await plane.createProcess('a', { pid: `p${i}` });
      const perHost = new Map<string, number>();
      for (const id of placed) perHost.set(id, (perHost.get(id) ?? 0) + 1);
      assert.deepEqual([...perHost].sort(), [
        ['host-a', 3],
        ['host-b', 3],
        ['host-c', 3],
      ]);
    } finally {
      await registry.close();
      await transport.close();
    }
  });
});
