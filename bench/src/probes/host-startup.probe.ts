/**
 * How long a new runtime host OS process takes to serve with N process records in the registry
 * (issue 14 item 4), without the whole scale suite: starts nats-server, writes N records the way
 * the gateway does (`putProcess`, twice each; half of them active on two hosts that are not running), then
 * spawns hosts one after another and prints, for each, the time from its spawn until its ready
 * line and until its heartbeat record is in the registry.
 *
 * `node bench/dist/src/probes/host-startup.probe.js [N] [hosts]` (default 30000 and 2).
 * PRAAS_PROBE_HOST_ARGS adds Node.js flags to the hosts, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`
 * (NODE_OPTIONS does not allow `--cpu-prof`); a host profiled so writes its profile when it stops.
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsKvRegistry } from '@praas/framework/nats';
import { startNats } from '@praas/integration';
import type { ProcessRecord } from '@praas/framework/internal';

const FIXTURE_MODULE = require.resolve('../fixtures/bench.processes');
const HOST_MAIN = require.resolve('@praas/runtime/host-main');
const BATCH = 256;

/** CPU time an OS process used so far, in ms (Linux /proc; clock ticks of 10 ms): a figure the machine's load disturbs less than wall time. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Spawns a host OS process with the probe's extra Node.js flags; resolves once it printed its ready line. */
function spawnProbeHost(env: NodeJS.ProcessEnv, hostId: string): Promise<ChildProcess> {
  const flags = (process.env['PRAAS_PROBE_HOST_ARGS'] ?? '').split(' ').filter((f) => f !== '');
  const child = spawn(process.execPath, [...flags, HOST_MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  return new Promise((resolve, reject) => {
    const look = (chunk: Buffer): void => {
      log += chunk.toString();
      if (log.includes(`praas host ${hostId} serving `)) resolve(child);
    };
    child.stdout?.on('data', look);
    child.stderr?.on('data', look);
    child.once('exit', (code) => reject(new Error(`host ${hostId} exited with ${String(code)} before ready:\n${log}`)));
  });
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 30_000);
  const runs = Number(process.argv[3] ?? 2);
  const app = 'probe';
  const nats = await startNats({ ownServer: true });
  const swapDir = mkdtempSync(join(tmpdir(), 'praas-probe-'));
  const registry = await NatsKvRegistry.connect({ servers: nats.url, name: 'startup-probe' });
  try {
    await registry.putApp({ name: app, incarnation: 'probe', createdAt: Date.now(), processClasses: ['ScaleProcess'] });
    const written = Date.now();
    // Each record is written twice (first 'swapping-in', then its status), as records change: the bucket
    // holds only the newest entry of each key, with the older ones deleted in between.
    for (const pass of ['first', 'final'] as const) {
      for (let i = 0; i < n; i += BATCH) {
        const batch: Promise<void>[] = [];
        for (let j = i; j < Math.min(n, i + BATCH); j++) {
          const active = j % 2 === 0;
          const record: ProcessRecord = {
            app,
            pid: `p${j.toString(36).padStart(8, '0')}`,
            processClass: 'ScaleProcess',
            status: pass === 'first' ? 'swapping-in' : active ? 'active' : 'swapped',
            ...(active ? { host: j % 4 === 0 ? 'gone-1' : 'gone-2' } : {}),
            generation: active ? 0 : 1,
            updatedAt: Date.now(),
          };
          batch.push(registry.putProcess(record));
        }
        await Promise.all(batch);
      }
    }
    console.log(`wrote ${n} process records in ${Date.now() - written} ms`);
    for (let run = 1; run <= runs; run++) {
      const hostId = `probe-h${run}`;
      const start = process.hrtime.bigint();
      const ms = (): string => (Number(process.hrtime.bigint() - start) / 1e6).toFixed(0);
      const host = await spawnProbeHost(
        {
          ...process.env,
          PRAAS_NATS_URL: nats.url,
          PRAAS_APP: app,
          PRAAS_HOST_ID: hostId,
          PRAAS_MODULE: FIXTURE_MODULE,
          PRAAS_SWAP_DIR: swapDir,
        },
        hostId,
      );
      const ready = ms();
      while (!(await registry.listHosts(app)).some((h) => h.id === hostId))
        await new Promise((resolve) => setTimeout(resolve, 20));
      const heartbeat = ms();
      const cpuAtReady = cpuMs(host.pid!);
      // What the host does right after start-up (e.g. reading what it was sent) delays its first calls too.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      console.log(
        `N=${n} host ${hostId}: ready line at ${ready} ms, heartbeat record at ${heartbeat} ms; ` +
          `CPU ${cpuAtReady} ms by then, ${cpuMs(host.pid!)} ms 2 s later`,
      );
      const exited = new Promise((resolve) => host.once('exit', resolve));
      host.kill('SIGTERM');
      await exited;
    }
  } finally {
    await registry.close();
    await nats.stop();
    rmSync(swapDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
