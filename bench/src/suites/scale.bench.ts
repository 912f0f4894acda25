import { readFileSync } from 'node:fs';
import { ControlPlane, RegisteredHostProvider } from '@praas/gateway';
import { spawnHost } from '@praas/integration';
import type { Suite, SuiteContext } from '../runner';
import { measureRecovery, measureStartup, ns, pool } from './scale.phases';
import { withHostStack } from './host-stack';

const FIXTURE_MODULE = require.resolve('../fixtures/bench.processes');
/** Processes brought back by their first call after all were swapped out. */
const SWAP_IN_1KIB = 1_000;
const SWAP_IN_1MIB = 50;
/** Creates before the timed ones (at most 5 % of N): they warm up the JIT, connections and streams. */
const WARMUP = 500;

/** Resident memory of an OS process, in KiB (Linux /proc). */
function rssKiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? NaN);
}

/** Processes per second between the completions `from` and `to` (indexes into sorted times). */
const rate = (times: readonly number[], start: number, from: number, to: number): number =>
  (to - from) / (((times[to - 1] ?? start) - (from === 0 ? start : times[from - 1]!)) / 1e9);

/**
 * DESIGN §6 scale rules, issue 14: an application of N processes (quick 10,000; full 100,000) on
 * two runtime host OS processes with nats-server and s3rver, created one request after another
 * (IN_FLIGHT at a time) through the control plane; then a new gateway and a third host start at N
 * (`measureStartup`), each process is invoked once, the first host is SIGKILLed and up to 5,000 of
 * its processes are called back from the others (`measureRecovery`), the live ones are swapped
 * out, and 1,000 swapped back in by their first call (and 50 with 1 MiB of state). Figures: creates per
 * second overall, first and last 10 % (`scale_create_rate_last_vs_first`), host RSS per active
 * process, swap-out and swap-in per second, swap-in + first call latency at 1 KiB and 1 MiB, a
 * 100-row list page at N, the size of a heartbeat record.
 */
export const scaleSuite: Suite = {
  name: 'scale',
  async run(context) {
    const n = Number(process.env['PRAAS_BENCH_SCALE_N'] ?? (context.quick ? 10_000 : 100_000));
    const phase = (what: string, since: number): void =>
      console.error(`scale: ${what} took ${((ns() - since) / 1e6).toFixed(0)} ms`);
    const app = `bench-scale-${Date.now().toString(36)}`;
    await withHostStack('bench-scale', async ({ nats, s3Env: env, transport, registry, hosts }) => {
      const hostOptions = { natsUrl: nats.url, app, modulePath: FIXTURE_MODULE, env };
      for (const id of ['scale-h1', 'scale-h2']) hosts.push(await spawnHost({ ...hostOptions, hostId: id }));
      const plane = new ControlPlane({ transport, registry, provider: new RegisteredHostProvider(registry) });
      const stack = { context, natsUrl: nats.url, app, transport, registry, plane, host: hostOptions };
      await plane.createApp(app);
      const rssBefore = hosts.map((h) => rssKiB(h.pid));

      const pids: string[] = [];
      const create = async (): Promise<void> => {
        pids.push((await plane.createProcess(app, { processClass: 'ScaleProcess' })).pid);
      };
      const warm = Math.min(WARMUP, Math.floor(n / 20));
      await pool(Array.from({ length: warm }), create);
      const started = ns();
      const timed = n - warm;
      const created = await pool(Array.from({ length: timed }), create);
      phase(`create (${warm} + ${timed})`, started);
      const tenth = Math.floor(timed / 10);
      const first = rate(created, started, 0, tenth);
      const last = rate(created, started, timed - tenth, timed);
      context.figure('scale_creates_per_s', Math.round(rate(created, started, 0, timed)));
      context.figure('scale_creates_per_s_first_10pct', Math.round(first));
      context.figure('scale_creates_per_s_last_10pct', Math.round(last));
      context.figure('scale_create_rate_last_vs_first', Math.round((last / first) * 1000) / 1000);

      const perHost = await Promise.all(
        hosts.map((h) => registry.listHosts(app).then((r) => r.find((x) => x.id === h.id))),
      );
      const rssAfter = hosts.map((h) => rssKiB(h.pid));
      const kib = hosts.map((_, i) => (rssAfter[i]! - rssBefore[i]!) / Math.max(1, perHost[i]?.activeProcesses ?? 1));
      context.figure('scale_host_rss_per_active_KiB', Math.round(Math.max(...kib) * 10) / 10);
      context.figure('scale_host_rss_MiB', Math.round(Math.max(...rssAfter) / 1024));
      context.figure(
        'scale_heartbeat_record_bytes',
        Math.max(...(await registry.listHosts(app)).map((h) => JSON.stringify(h).length)),
      );
      await measurePages(context, plane, app, n);

      const startupStart = ns();
      hosts.push(await measureStartup(stack, pids[0]!, 'scale-h3'));
      phase('start-up of a new gateway and host', startupStart);

      const invokeStart = ns();
      await pool(pids, (pid) => plane.invoke(app, 'size', undefined, { pid, timeoutMs: 60_000 }));
      phase('first calls', invokeStart);
      context.figure('scale_first_calls_per_s', Math.round(n / ((ns() - invokeStart) / 1e9)));

      const recoveryStart = ns();
      const lost = await measureRecovery(stack, hosts[0]!);
      phase('host death and recovery', recoveryStart);
      // The processes the dead host still holds are left alone from here on.
      const live = pids.filter((pid) => !lost.has(pid));

      const big = live.slice(0, SWAP_IN_1MIB);
      await pool(big, (pid) => plane.invoke(app, 'fill', 1024 * 1024, { pid, timeoutMs: 60_000 }));
      await pool(live.slice(SWAP_IN_1MIB, SWAP_IN_1MIB + SWAP_IN_1KIB), (pid) =>
        plane.invoke(app, 'fill', 1024, { pid, timeoutMs: 60_000 }),
      );
      const outStart = ns();
      await pool(live, (pid) => plane.swapProcess(app, pid));
      phase(`swap-out (${live.length})`, outStart);
      context.figure('scale_swap_outs_per_s', Math.round(live.length / ((ns() - outStart) / 1e9)));

      // One at a time: the latency of a swap-in plus the first call, as a caller sees it.
      for (const [label, chosen] of [
        ['1KiB', live.slice(SWAP_IN_1MIB, SWAP_IN_1MIB + SWAP_IN_1KIB)],
        ['1MiB', big],
      ] as const) {
        const durations: number[] = [];
        for (const pid of chosen) {
          const t = ns();
          await plane.invoke(app, 'size', undefined, { pid, timeoutMs: 60_000 });
          durations.push(ns() - t);
        }
        const m = context.record(`swap_in_first_call_${label}`, durations, { processes: n });
        context.figure(`scale_swap_in_first_call_p50_ms_${label}`, m.medianUs / 1000);
        context.figure(`scale_swap_in_first_call_p99_ms_${label}`, m.p99Us / 1000);
        if (label === '1KiB') context.figure('scale_swap_ins_per_s', Math.round(1e6 / (m.meanUs || 1)));
      }
    });
  },
};

/** A 100-row page at N: the first, and pages from cursors spread over the walk. */
async function measurePages(context: SuiteContext, plane: ControlPlane, app: string, n: number): Promise<void> {
  const cursors: (string | undefined)[] = [undefined];
  let cursor: string | undefined;
  // Walk with large pages to collect cursors spread over the application.
  for (let read = 0; read < n;) {
    const page = await plane.listProcessPage(app, { limit: 1_000, ...(cursor ? { cursor } : {}) });
    read += page.processes.length;
    cursor = page.cursor;
    if (!cursor) break;
    cursors.push(cursor);
  }
  let i = 0;
  const m = await context.measure(
    'list_page_100',
    () => {
      const at = cursors[i++ % cursors.length];
      return plane.listProcessPage(app, { limit: 100, ...(at ? { cursor: at } : {}) });
    },
    { iterations: 50, warmup: 5, params: { processes: n } },
  );
  context.figure('scale_list_page_100_p50_ms', m.medianUs / 1000);
  const f = await context.measure(
    'list_page_100_filtered',
    () => plane.listProcessPage(app, { limit: 100, status: 'swapped' }),
    { iterations: 10, warmup: 1, params: { processes: n } },
  );
  context.figure('scale_list_page_100_filtered_none_match_p50_ms', f.medianUs / 1000);
}
