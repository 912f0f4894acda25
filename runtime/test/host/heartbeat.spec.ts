import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryRegistry, MemoryTransport, type HostRecord } from '@praas/framework';
import { FsSwapStore, RuntimeHost } from '../../src';
import { Worker } from '../fixtures';

/** A registry whose next heartbeat write waits at a gate, to put a heartbeat in flight at a chosen moment. */
class GatedRegistry extends MemoryRegistry {
  gate: Promise<void> | undefined;
  /** Resolves when a write is waiting at the gate; then with the write done. */
  waiting: Promise<void> | undefined;
  written: Promise<void> | undefined;
  onDeleteHost: (() => void) | undefined;
  private arrived: (() => void) | undefined;

  hold(): { release: () => void } {
    let release!: () => void;
    this.gate = new Promise((resolve) => (release = resolve));
    this.waiting = new Promise((resolve) => (this.arrived = resolve));
    return { release };
  }

  override putHost(record: HostRecord): Promise<void> {
    const gate = this.gate;
    if (!gate) return super.putHost(record);
    this.gate = undefined;
    this.arrived?.();
    this.written = gate.then(() => super.putHost(record));
    return this.written;
  }

  override deleteHost(app: string, id: string): Promise<void> {
    this.onDeleteHost?.();
    return super.deleteHost(app, id);
  }
}

describe('RuntimeHost heartbeat', function () {
  let dir: string;
  let transport: MemoryTransport;

  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'praas-heartbeat-'));
    transport = new MemoryTransport();
  });
  afterEach(async function () {
    await transport.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('leaves no host record behind when it stops while a heartbeat is in flight', async function () {
    const registry = new GatedRegistry();
    const host = new RuntimeHost({
      app: 'beats',
      hostId: 'h1',
      processes: [Worker],
      transport,
      registry,
      store: new FsSwapStore(dir),
      heartbeatMs: 5,
    });
    await host.start();
    const { release } = registry.hold();
    await registry.waiting;
    // Released once the host deregisters, or soon if it waits for the heartbeat before it does.
    registry.onDeleteHost = release;
    const timer = setTimeout(release, 50);
    await host.stop({ swapOut: false });
    await registry.written;
    clearTimeout(timer);
    assert.deepEqual(await registry.listHosts('beats'), [], 'a heartbeat written after the host deregistered');
    await registry.close();
  });
});
