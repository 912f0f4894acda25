import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryLogger, MemoryRegistry, MemoryTransport, type HostRecord } from '@praas/framework/internal';
import { FsSwapStore, RuntimeHost } from '../../src';
import { Heartbeat, type HeartbeatOptions } from '../../src/host/heartbeat';
import { Worker } from '../fixtures';

/** Resolves once `check` holds, looking every few milliseconds; fails after `limitMs`. */
async function until(what: string, check: () => boolean | Promise<boolean>, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A heartbeat of host `h1` in application `shop`. */
function shopHeartbeat(options: Omit<HeartbeatOptions, 'app' | 'hostId'>): Heartbeat {
  return new Heartbeat({ app: 'shop', hostId: 'h1', ...options });
}

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
    if (this.failure) return Promise.reject(this.failure);
    const gate = this.gate;
    if (!gate) return super.putHost(record);
    this.gate = undefined;
    this.arrived?.();
    this.written = gate.then(() => super.putHost(record));
    return this.written;
  }

  /** While set, heartbeats fail with this error. */
  failure: Error | undefined;

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

  /** A started host that beats every 5 ms. */
  const beating = async (registry: GatedRegistry, logger?: MemoryLogger): Promise<RuntimeHost> => {
    const host = new RuntimeHost({
      app: 'beats',
      hostId: 'h1',
      processes: [Worker],
      transport,
      registry,
      store: new FsSwapStore(dir),
      heartbeatMs: 5,
      ...(logger ? { logger } : {}),
    });
    await host.start();
    return host;
  };

  it('leaves no host record behind when it stops while a heartbeat is in flight', async function () {
    const registry = new GatedRegistry();
    const host = await beating(registry);
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

  it('logs the first failed heartbeat with the host and the cause, beats again and logs the recovery', async function () {
    const registry = new GatedRegistry();
    const logger = new MemoryLogger();
    const host = await beating(registry, logger);
    const before = (await registry.listHosts('beats'))[0]!.heartbeatAt;
    registry.failure = new Error('registry bucket unavailable');
    await until('a failed heartbeat to be logged', () => logger.at('warn', 'heartbeat failed').length > 0);
    const [record] = logger.at('warn', 'heartbeat failed');
    assert.deepEqual([record?.app, record?.host], ['beats', 'h1']);
    assert.equal((record?.['err'] as { message?: string }).message, 'registry bucket unavailable');
    registry.failure = undefined;
    await until('the next heartbeat', async () => (await registry.listHosts('beats'))[0]!.heartbeatAt > before);
    await until('the recovery to be logged', () => logger.at('info', 'heartbeat works again').length > 0);
    assert.equal(logger.at('warn', 'heartbeat failed').length, 1, 'one warning for one run of failed beats');
    await host.stop({ swapOut: false });
    await registry.close();
  });
});

describe('Heartbeat', function () {
  it('reports the classes, the code error, the memory budget and the number of processes, never a list of them', async function () {
    const registry = new MemoryRegistry();
    const table = { size: 2 };
    const heartbeat = shopHeartbeat({
      registry,
      table,
      code: {
        refresh: () => Promise.resolve(2),
        processClasses: ['Cart'],
        functions: { Cart: ['add'] },
        codeError: { version: 3, message: 'LEDGER_URL is not set' },
      },
      fencing: { fence: () => Promise.resolve([]) },
      memoryBudgetBytes: 1024,
      logger: new MemoryLogger(),
    });
    await heartbeat.beat();
    const [record] = await registry.listHosts('shop');
    assert.deepEqual(
      { ...record, startedAt: 0, heartbeatAt: 0, memoryBytes: 0 },
      {
        id: 'h1',
        app: 'shop',
        startedAt: 0,
        heartbeatAt: 0,
        memoryBytes: 0,
        activeProcesses: 2,
        processClasses: ['Cart'],
        functions: { Cart: ['add'] },
        memoryBudgetBytes: 1024,
        codeError: { version: 3, message: 'LEDGER_URL is not set' },
      },
    );
    // Constant size: 100,000 processes cost the record three more digits.
    const size = (): number => JSON.stringify({ ...heartbeat.record(), heartbeatAt: 0, memoryBytes: 0 }).length;
    const small = size();
    table.size = 100_000;
    assert.equal(size(), small + 'x00000'.length - 1);
    await registry.close();
  });

  it('beats after a failed look for newer code, and fences only after a beat that was written', async function () {
    const registry = new GatedRegistry();
    const logger = new MemoryLogger();
    const lines: string[] = [];
    let fences = 0;
    let fencedWhileFailing = 0;
    const heartbeat = shopHeartbeat({
      registry,
      table: { size: 0 },
      code: {
        refresh: () => Promise.reject(new Error('registry timed out')),
        processClasses: ['Cart'],
        functions: { Cart: ['add'] },
        codeError: undefined,
      },
      fencing: {
        fence: () => {
          fences++;
          // A beat and its fencing run without a pause between them, so this counts only beats that failed.
          if (registry.failure) fencedWhileFailing++;
          return Promise.resolve([]);
        },
      },
      intervalMs: 5,
      fenceAfterGapMs: 0,
      logger,
      log: (line) => lines.push(line),
    });
    await heartbeat.start();
    const first = (await registry.listHosts('shop'))[0]!.heartbeatAt;
    await until('a periodic beat and fencing', async () => fences > 0);
    assert.ok((await registry.listHosts('shop'))[0]!.heartbeatAt >= first);
    assert.ok(logger.at('warn', 'cannot look for newer code').length > 0);
    assert.match(lines[0] ?? '', /^praas host h1: cannot load the newest code: registry timed out$/);

    registry.failure = new Error('down');
    // A run of failed beats is one warning; the further ones are debug records.
    await until('two failed beats', () => logger.at('debug', 'heartbeat failed').length >= 1);
    assert.equal(logger.at('warn', 'heartbeat failed').length, 1);
    await heartbeat.stop();
    assert.equal(fencedWhileFailing, 0, 'no fencing after a beat that was not written');
    await registry.close();
  });

  it('fences only after a gap in its written beats, in which the others may have taken its processes over', async function () {
    const registry = new GatedRegistry();
    let fences = 0;
    const heartbeat = shopHeartbeat({
      registry,
      table: { size: 1 },
      code: { refresh: () => Promise.resolve(1), processClasses: ['Cart'], functions: {}, codeError: undefined },
      fencing: { fence: () => Promise.resolve((fences++, [])) },
      intervalMs: 5,
      fenceAfterGapMs: 150,
      logger: new MemoryLogger(),
    });
    await heartbeat.start();
    let beats = 0;
    const counting = registry.putHost.bind(registry);
    registry.putHost = (record) => counting(record).then(() => void beats++);
    await until('ten beats in step', () => beats >= 10);
    assert.equal(fences, 0, 'no fencing while beats are in step');
    registry.failure = new Error('cut off from NATS');
    const failedFrom = Date.now();
    await until('beats failing for longer than the gap', () => Date.now() - failedFrom > 200);
    registry.failure = undefined;
    await until('the first beat after the gap to fence', () => fences > 0);
    const after = beats;
    await until('ten more beats in step', () => beats >= after + 10);
    assert.equal(fences, 1, 'one fencing for one gap');
    await heartbeat.stop();
    await registry.close();
  });
});
