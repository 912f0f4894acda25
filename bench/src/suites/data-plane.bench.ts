import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsKvRegistry, NatsTransport } from '@praas/framework';
import { ControlPlane, RegisteredHostProvider } from '@praas/gateway';
import { HostControl, spawnHost, startNats, type HostProcess, type NatsService } from '@praas/integration';
import type { PingPongTimingArgs, TimingArgs } from '../fixtures/bench.processes';
import { RAW_PING_SUBJECT, RAW_PONG_SUBJECT, RAW_RR_SUBJECT } from '../raw-responder';
import type { Measurement, Suite, SuiteContext } from '../runner';

// Unique per run: a server given by PRAAS_NATS_URL keeps the registry of earlier runs.
const APP = `bench-${Date.now().toString(36)}`;
const PAYLOADS: readonly [string, number][] = [
  ['1B', 1],
  ['1KiB', 1024],
  ['64KiB', 64 * 1024],
  ['1MiB', 1024 * 1024],
];
/** nats-server 2.9 takes max_payload only from a config file; 1 MiB plus envelope must fit. */
const MAX_PAYLOAD = 8 * 1024 * 1024;
const ENVELOPE_ROOM = 4 * 1024;
/** Calls in flight at once in the concurrent variant. */
const CONCURRENT = 16;
const FIXTURE_MODULE = require.resolve('../fixtures/bench.processes');
const RAW_RESPONDER = require.resolve('../raw-responder');

/** Fewer iterations for large payloads, so a run stays short. */
function iterationsFor(context: SuiteContext, size: number): { iterations: number; warmup: number } {
  const divisor = size >= 1024 * 1024 ? 10 : size >= 64 * 1024 ? 2 : 1;
  return {
    iterations: Math.max(20, Math.floor(context.iterations / divisor)),
    warmup: Math.max(5, Math.floor(context.warmup / divisor)),
  };
}

async function startRawResponder(url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [RAW_RESPONDER, url], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`raw responder exited (${code}) before it was ready`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
  });
  return child;
}

/**
 * DESIGN §8, data plane: for payloads of 1 B to 1 MiB, side by side in one run —
 * invocation of a no-op function of a process on a runtime host OS process vs raw nats.js
 * request/reply to another OS process; a SELF invocation inside a process; and send/recv
 * ping-pong between processes on two hosts vs raw publish/subscribe ping-pong.
 */
export const dataPlaneSuite: Suite = {
  name: 'data-plane',
  async run(context) {
    let nats: NatsService | undefined;
    let raw: ChildProcess | undefined;
    const hosts: HostProcess[] = [];
    const swapDir = mkdtempSync(join(tmpdir(), 'praas-bench-swap-'));
    let transport: NatsTransport | undefined;
    let registry: NatsKvRegistry | undefined;
    try {
      nats = await startNats({ maxPayload: MAX_PAYLOAD });
      const url = nats.url;
      for (const hostId of ['bench-h1', 'bench-h2']) {
        hosts.push(await spawnHost({ natsUrl: url, app: APP, hostId, modulePath: FIXTURE_MODULE, swapDir }));
      }
      raw = await startRawResponder(url);
      transport = await NatsTransport.connect({ servers: url, name: 'bench-client' });
      registry = await NatsKvRegistry.open(transport.connection);
      const plane = new ControlPlane({
        transport,
        registry,
        provider: new RegisteredHostProvider(registry),
      });
      const control = new HostControl(transport, APP);
      if (!(await registry.getApp(APP))) await plane.createApp(APP);
      await control.create('bench-h1', 'p1', 'BenchProcess');
      await control.create('bench-h2', 'p2', 'BenchProcess');
      const nc = transport.connection;

      let pong: (() => void) | undefined;
      const pongs = nc.subscribe(RAW_PONG_SUBJECT, { callback: () => pong?.() });
      await nc.flush();

      for (const [label, size] of PAYLOADS) {
        if (size + ENVELOPE_ROOM > transport.maxPayload) {
          context.note(`${label} skipped: the server's max_payload is ${transport.maxPayload} bytes`);
          continue;
        }
        const payload = new Uint8Array(size).fill(7);
        const counts = iterationsFor(context, size);
        const params = { payloadBytes: size };
        const options = { ...counts, params };

        const [rr, invoke] = (await context.measureTogether(
          [
            ['nats_request_reply', () => nc.request(RAW_RR_SUBJECT, payload, { timeout: 30_000 })],
            ['invoke_remote', () => plane.invoke(APP, 'noop', payload, { pid: 'p2', timeoutMs: 30_000 })],
          ],
          options,
        )) as [Measurement, Measurement];
        context.ratio(`invoke_vs_nats_rr_${label}`, invoke, rr);

        // The same with CONCURRENT calls in flight: the peers stay busy, as under load.
        const burst = <T>(call: () => Promise<T>): Promise<T[]> =>
          Promise.all(Array.from({ length: CONCURRENT }, call));
        const [rrBurst, invokeBurst] = (await context.measureTogether(
          [
            [
              `nats_request_reply_x${CONCURRENT}`,
              () => burst(() => nc.request(RAW_RR_SUBJECT, payload, { timeout: 30_000 })),
            ],
            [
              `invoke_remote_x${CONCURRENT}`,
              () => burst(() => plane.invoke(APP, 'noop', payload, { pid: 'p2', timeoutMs: 30_000 })),
            ],
          ],
          { ...options, iterations: Math.max(10, Math.floor(counts.iterations / 4)) },
        )) as [Measurement, Measurement];
        context.ratio(`invoke_vs_nats_rr_${label}_x${CONCURRENT}`, invokeBurst, rrBurst);

        const selfArgs: TimingArgs = { ...counts, payload };
        const self = context.record(
          'invoke_self',
          await plane.invoke<number[]>(APP, 'timeSelf', selfArgs, { pid: 'p1', timeoutMs: 600_000 }),
          params,
        );
        context.ratio(`self_vs_nats_rr_${label}`, self, rr);

        const pubsub = await context.measure(
          'nats_pubsub_pingpong',
          () =>
            new Promise<void>((resolve) => {
              pong = resolve;
              nc.publish(RAW_PING_SUBJECT, payload);
            }),
          options,
        );
        const pingArgs: PingPongTimingArgs = { ...counts, payload, peer: 'p2' };
        const [durations] = await Promise.all([
          plane.invoke<number[]>(APP, 'timePingPong', pingArgs, { pid: 'p1', timeoutMs: 600_000 }),
          plane.invoke<number>(APP, 'pong', counts.warmup + counts.iterations, { pid: 'p2', timeoutMs: 600_000 }),
        ]);
        const pingPong = context.record('sendrecv_pingpong', durations, params);
        context.ratio(`pingpong_vs_nats_pubsub_${label}`, pingPong, pubsub);
      }
      pongs.unsubscribe();
    } finally {
      for (const h of hosts) await h.stop();
      if (raw && raw.exitCode === null) {
        const exited = new Promise((resolve) => raw!.once('exit', resolve));
        raw.kill('SIGTERM');
        await exited;
      }
      await registry?.close();
      await transport?.close();
      await nats?.stop();
      await rm(swapDir, { recursive: true, force: true });
    }
  },
};
