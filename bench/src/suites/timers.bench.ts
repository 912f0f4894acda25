import { mkdtempSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataPlaneClient, decode, encode, newId, unwrapReply } from '@praas/framework/internal';
import { NatsKvRegistry, NatsTransport } from '@praas/framework/nats';
import { HostControl, spawnHost, startNats, type HostProcess, type NatsService } from '@praas/integration';
import type { Suite, SuiteContext } from '../runner';
import type { PlanManyArgs } from '../fixtures/timers.processes';
import { ns, pool } from './scale.phases';

const FIXTURE_MODULE = require.resolve('../fixtures/timers.processes');
/** Processes the pending timers are spread over. */
const PENDING_PROCESSES = 100;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resident memory of an OS process, in KiB (Linux /proc). */
function rssKiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? NaN);
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

interface Stack {
  readonly call: <R>(pid: string, fn: string, data?: unknown) => Promise<R>;
  readonly control: HostControl;
  readonly hosts: HostProcess[];
}

/**
 * Durable timers (issue 19) on two runtime host OS processes and nats-server (timers in JetStream
 * KV, swap store on disk): firing lateness on an idle stack (one timer due every 25 ms, measured in
 * the function against its scheduled time), then N pending timers (quick 10,000; full 100,000,
 * PRAAS_BENCH_TIMERS_N) across 100 processes, due in an hour: the scheduling rate, the hosts'
 * resident memory before and after, and the lateness again with them pending.
 */
export const timersSuite: Suite = {
  name: 'timers',
  async run(context) {
    const n = Number(process.env['PRAAS_BENCH_TIMERS_N'] ?? (context.quick ? 10_000 : 100_000));
    const app = `bench-timers-${Date.now().toString(36)}`;
    const swapDir = mkdtempSync(join(tmpdir(), 'praas-bench-timers-'));
    let nats: NatsService | undefined;
    let transport: NatsTransport | undefined;
    let registry: NatsKvRegistry | undefined;
    const hosts: HostProcess[] = [];
    try {
      nats = await startNats();
      const hostOptions = { natsUrl: nats.url, app, modulePath: FIXTURE_MODULE, swapDir };
      for (const id of ['timers-h1', 'timers-h2']) hosts.push(await spawnHost({ ...hostOptions, hostId: id }));
      transport = await NatsTransport.connect({ servers: nats.url, name: 'bench-timers' });
      registry = await NatsKvRegistry.open(transport.connection);
      const client = new DataPlaneClient(transport, registry, app);
      const call = async <R>(pid: string, fn: string, data?: unknown): Promise<R> => {
        const envelope = { t: 'inv' as const, id: newId(), from: 'client:bench', fn, data: encode(data) };
        const bytes = unwrapReply(await client.invoke(pid, envelope, 600_000));
        return (bytes === undefined ? undefined : decode(bytes)) as R;
      };
      const stack: Stack = { call, control: new HostControl(transport, app), hosts };
      await stack.control.create('timers-h1', 'punctual', 'Punctual');
      await measureLateness(context, stack, 'idle');
      await measurePending(context, stack, n);
      await measureLateness(context, stack, `${n}_pending`);
      context.note(`timers: 2 hosts (OS processes), nats-server, JetStream KV timer store; N = ${n} pending`);
    } finally {
      for (const h of hosts) await h.stop();
      await registry?.close();
      await transport?.close();
      await nats?.stop();
      await rm(swapDir, { recursive: true, force: true });
    }
  },
};

/** Timers of one process due one every 25 ms, each 500 ms after it was scheduled; how late each ran. */
async function measureLateness(context: SuiteContext, stack: Stack, label: string): Promise<void> {
  const count = context.quick ? 200 : 1_000;
  await stack.call('punctual', 'take');
  for (let i = 0; i < count; i++) {
    await stack.call('punctual', 'plan', 500);
    await sleep(25);
  }
  const late: number[] = [];
  for (const end = Date.now() + 30_000; late.length < count && Date.now() < end; await sleep(200)) {
    late.push(...(await stack.call<number[]>('punctual', 'take')));
  }
  if (late.length < count) throw new Error(`only ${late.length} of ${count} timers fired within 30 s`);
  const sorted = [...late].sort((a, b) => a - b);
  context.record(
    `timer_lateness_${label}`,
    late.map((ms) => ms * 1e6),
    { timers: count },
  );
  context.figure(`timers_lateness_${label}_p50_ms`, percentile(sorted, 50));
  context.figure(`timers_lateness_${label}_p99_ms`, percentile(sorted, 99));
  context.figure(`timers_lateness_${label}_max_ms`, sorted[sorted.length - 1]!);
}

/** N timers due in an hour, scheduled from 100 processes; the rate, and what the hosts' memory did. */
async function measurePending(context: SuiteContext, stack: Stack, n: number): Promise<void> {
  const pids = Array.from({ length: PENDING_PROCESSES }, (_, i) => `pending-${i}`);
  await pool(pids, (pid) =>
    stack.control.create(pids.indexOf(pid) % 2 === 0 ? 'timers-h1' : 'timers-h2', pid, 'Punctual'),
  );
  await sleep(2_000);
  const rssBefore = stack.hosts.map((h) => rssKiB(h.pid));
  const perProcess = Math.ceil(n / PENDING_PROCESSES);
  const args: PlanManyArgs = { n: perProcess, firstMs: 3_600_000, spreadMs: 600_000 };
  const started = ns();
  await pool(pids, (pid) => stack.call(pid, 'planMany', args));
  const seconds = (ns() - started) / 1e9;
  context.figure('timers_schedule_per_second', Math.round((perProcess * PENDING_PROCESSES) / seconds));
  // Let the hosts' firers look at the index a few times with everything pending.
  await sleep(5_000);
  const rssAfter = stack.hosts.map((h) => rssKiB(h.pid));
  const growth = Math.max(...rssAfter.map((kib, i) => kib - rssBefore[i]!));
  context.figure('timers_pending', perProcess * PENDING_PROCESSES);
  context.figure('timers_host_rss_before_KiB', Math.max(...rssBefore));
  context.figure('timers_host_rss_after_KiB', Math.max(...rssAfter));
  context.figure('timers_host_rss_growth_KiB', growth);
}
