import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PraasClient, type HostRecord } from '@praas/framework/internal';
import { NatsKvRegistry, NatsTransport } from '@praas/framework/nats';
import {
  spawnGateway,
  spawnHost,
  startNats,
  STACK_FIXTURE_MODULE,
  type GatewayProcess,
  type HostProcess,
  type NatsService,
} from '../src';

/** Processes of the application (issue 14: 20,000 on two hosts). */
const PROCESSES = 20_000;
/** Requests in flight at once. */
const IN_FLIGHT = 64;

/** Runs `task` for each item, IN_FLIGHT at a time. */
async function pool<T>(items: readonly T[], task: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

describe('scale: 20,000 processes on two runtime hosts (issue 14)', function () {
  this.timeout(30 * 60_000);
  const app = `scale-${Date.now().toString(36)}`;
  let nats: NatsService;
  let gateway: GatewayProcess;
  const hosts: HostProcess[] = [];
  let transport: NatsTransport;
  let registry: NatsKvRegistry;
  let client: PraasClient;
  const swapDir = mkdtempSync(join(tmpdir(), 'praas-scale-'));

  before(async function () {
    nats = await startNats();
    for (const hostId of ['scale-h1', 'scale-h2'])
      hosts.push(await spawnHost({ natsUrl: nats.url, app, hostId, modulePath: STACK_FIXTURE_MODULE, swapDir }));
    gateway = await spawnGateway({ natsUrl: nats.url });
    transport = await NatsTransport.connect({ servers: nats.url, name: 'scale-test' });
    registry = await NatsKvRegistry.open(transport.connection);
    client = new PraasClient({ url: gateway.httpUrl, token: gateway.token, dataPlane: { transport, registry } });
  });
  afterEach(function () {
    // The gateway's and hosts' own words about a failure (they run as OS processes).
    if (this.currentTest?.state === 'failed')
      for (const p of [gateway, ...hosts]) if (p) console.error(p.output().slice(-4_000));
  });
  after(async function () {
    await gateway?.stop();
    for (const h of hosts) await h.stop();
    await registry?.close();
    await transport?.close();
    await nats?.stop();
    await rm(swapDir, { recursive: true, force: true });
  });

  it('creates them, each answers, paging returns each once, and the heartbeat records did not grow', async function () {
    await client.createApp(app);
    const records = async (): Promise<HostRecord[]> =>
      (await registry.listHosts(app)).sort((a, b) => a.id.localeCompare(b.id));
    const before = await records();
    assert.equal(before.length, 2);

    const created: string[] = [];
    await pool(
      Array.from({ length: PROCESSES }, (_, i) => i),
      async () => created.push((await client.createProcess(app, { processClass: 'Tally' })).pid),
    );
    assert.equal(new Set(created).size, PROCESSES, 'every pid is new');

    // Every one answers, straight over the data plane.
    let answered = 0;
    await pool(created, async (pid) => {
      assert.equal(await client.invoke(app, 'add', 1, { pid, timeoutMs: 60_000 }), 1);
      answered++;
    });
    assert.equal(answered, PROCESSES);

    // Paging through the list returns each exactly once (nothing changes meanwhile).
    const seen = new Map<string, number>();
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await client.listProcessPage(app, { limit: 500, ...(cursor === undefined ? {} : { cursor }) });
      assert.ok(page.processes.length <= 500);
      for (const p of page.processes) seen.set(p.pid, (seen.get(p.pid) ?? 0) + 1);
      cursor = page.cursor;
      pages++;
    } while (cursor !== undefined);
    assert.equal(seen.size, PROCESSES);
    assert.deepEqual(
      [...seen].filter(([, times]) => times !== 1),
      [],
      'no process listed twice',
    );
    assert.deepEqual(
      created.filter((pid) => !seen.has(pid)),
      [],
      'no process left out',
    );
    assert.equal(pages, PROCESSES / 500);

    // Both hosts hold processes, and their records say so in counts only: the same fields, and no
    // more bytes than the longer numbers take.
    const after = await records();
    const held = after.map((h) => h.activeProcesses);
    assert.equal(held[0]! + held[1]!, PROCESSES, `held ${held.join(' + ')}`);
    assert.ok(Math.min(...held) > PROCESSES / 4, `both hosts take processes: ${held.join(', ')}`);
    for (const [i, record] of after.entries()) {
      assert.deepEqual(Object.keys(record).sort(), Object.keys(before[i]!).sort());
      const grown = JSON.stringify(record).length - JSON.stringify(before[i]).length;
      assert.ok(
        grown <= 16,
        `host ${record.id}'s record grew by ${grown} bytes with ${record.activeProcesses} processes`,
      );
    }
  });
});
