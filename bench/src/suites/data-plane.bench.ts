import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsKvRegistry, NatsTransport } from '@praas/framework';
import { ControlPlane, RegisteredHostProvider } from '@praas/gateway';
import {
  HostControl,
  spawnHost,
  startNats,
  startRedis,
  type HostProcess,
  type NatsService,
  type RedisService,
} from '@praas/integration';
import { NatsBaseline } from '../baselines/nats-baseline';
import { startPeer, type PeerProcess } from '../baselines/peer-process';
import { RedisBaseline } from '../baselines/redis-baseline';
import { TcpConnection } from '../baselines/tcp-baseline';
import { TcpMode, type TcpPeerReady } from '../baselines/tcp-peer';
import type { CountArgs, PeerTimingArgs, SendsTiming, SendsTimingArgs, TimingArgs } from '../fixtures/bench.processes';
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
/** One-way throughput: payload, and sends of ours not yet accepted at once, at most. */
const THROUGHPUT_PAYLOAD: readonly [string, number] = ['1KiB', 1024];
const THROUGHPUT_WINDOW = 1024;
/** How long one exchange, or one throughput run, may take before the suite fails. */
const TIMEOUT_MS = 120_000;
const FIXTURE_MODULE = require.resolve('../fixtures/bench.processes');
const NATS_PEER = require.resolve('../baselines/nats-peer');
const TCP_PEER = require.resolve('../baselines/tcp-peer');

const DATA_PLANES = ['direct', 'nats'] as const;
type DataPlane = (typeof DATA_PLANES)[number];

/**
 * The data plane the hosts are asked for: PRAAS_DATA_PLANE when set, else `default` (the hosts'
 * own default).
 * @throws Error when PRAAS_DATA_PLANE names no data plane.
 */
export function dataPlaneFromEnv(env: NodeJS.ProcessEnv = process.env): DataPlane | 'default' {
  const value = env['PRAAS_DATA_PLANE']?.trim();
  if (!value) return 'default';
  if (!DATA_PLANES.some((p) => p === value)) {
    throw new Error(
      `PRAAS_DATA_PLANE is '${value}'; use ${DATA_PLANES.join(' or ')}, or unset it for the hosts' default`,
    );
  }
  return value as DataPlane;
}

/** Fewer iterations for large payloads, so a run stays short. */
function iterationsFor(context: SuiteContext, size: number): { iterations: number; warmup: number } {
  const divisor = size >= 1024 * 1024 ? 10 : size >= 64 * 1024 ? 2 : 1;
  return {
    iterations: Math.max(20, Math.floor(context.iterations / divisor)),
    warmup: Math.max(5, Math.floor(context.warmup / divisor)),
  };
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Everything the suite started; {@link stopAll} stops what is there. */
interface Stack {
  nats?: NatsService;
  redis?: RedisService;
  hosts: HostProcess[];
  natsPeer?: PeerProcess<null>;
  tcpPeer?: PeerProcess<TcpPeerReady>;
  redisBaseline?: RedisBaseline;
  tcp: TcpConnection[];
  natsBaseline?: NatsBaseline;
  transport?: NatsTransport;
  registry?: NatsKvRegistry;
  swapDir: string;
}

/** Stops everything in `stack`, each step even when an earlier one failed; returns the failures. */
async function stopAll(stack: Stack): Promise<unknown[]> {
  const errors: unknown[] = [];
  const step = async (stop: () => unknown): Promise<void> => {
    try {
      await stop();
    } catch (e) {
      errors.push(e);
    }
  };
  for (const c of stack.tcp) await step(() => c.close());
  await step(() => stack.natsBaseline?.close());
  await step(() => stack.redisBaseline?.stop());
  await step(() => stack.tcpPeer?.stop());
  await step(() => stack.natsPeer?.stop());
  for (const h of stack.hosts) await step(() => h.stop());
  await step(() => stack.registry?.close());
  await step(() => stack.transport?.close());
  await step(() => stack.redis?.stop());
  await step(() => stack.nats?.stop());
  await step(() => rm(stack.swapDir, { recursive: true, force: true }));
  return errors;
}

/**
 * DESIGN §8, data plane, side by side in one run, for payloads of 1 B to 1 MiB. Every baseline
 * runs between the bench process and a peer in its own OS process, with the same payloads,
 * iterations and warm-ups as the path it is compared with:
 * - invocation of a no-op function: from the bench process over NATS (`invoke_remote`), and from
 *   a process on host A to one on host B (`invoke_host_to_host`, the data plane between hosts) vs
 *   raw TCP request/reply (the floor: Node's `net`, Nagle off, length-prefixed, answered with an
 *   empty frame as the no-op answers nothing) and raw nats.js request/reply; also with 16 calls in
 *   flight, and a SELF invocation inside a process;
 * - send/recv ping-pong between processes on two hosts vs raw TCP echo, raw NATS publish/subscribe
 *   ping-pong, and two Redis exchanges: SET + polling GET(DEL) as the PraaS paper measures it, and
 *   LPUSH/BRPOP;
 * - one-way throughput of pipelined 1 KiB messages: sends from a process on host A to a process on
 *   host B that counts them with recv, vs raw TCP writes and raw NATS publishes counted by a peer.
 * The hosts run the data plane PRAAS_DATA_PLANE names, or their default; results say which.
 */
export const dataPlaneSuite: Suite = {
  name: 'data-plane',
  async run(context) {
    const dataPlane = dataPlaneFromEnv();
    const stack: Stack = { hosts: [], tcp: [], swapDir: mkdtempSync(join(tmpdir(), 'praas-bench-swap-')) };
    try {
      await measureAll(context, stack, dataPlane);
    } catch (e) {
      // The failure is the suite's error; a cleanup that fails after it is reported beside it.
      for (const c of await stopAll(stack)) console.error(`data-plane: cleanup failed too: ${messageOf(c)}`);
      throw e;
    }
    const errors = await stopAll(stack);
    if (errors.length) throw errors[0];
  },
};

/** Starts the services, the hosts and the baseline peers into `stack`, and measures. */
async function measureAll(context: SuiteContext, stack: Stack, dataPlane: DataPlane | 'default'): Promise<void> {
  stack.nats = await startNats({ maxPayload: MAX_PAYLOAD });
  stack.redis = await startRedis();
  const url = stack.nats.url;
  const hostEnv: Record<string, string> = dataPlane === 'default' ? {} : { PRAAS_DATA_PLANE: dataPlane };
  for (const hostId of ['bench-h1', 'bench-h2']) {
    stack.hosts.push(
      await spawnHost({
        natsUrl: url,
        app: APP,
        hostId,
        modulePath: FIXTURE_MODULE,
        swapDir: stack.swapDir,
        env: hostEnv,
      }),
    );
  }
  stack.natsPeer = await startPeer<null>('nats peer', NATS_PEER, [url]);
  stack.tcpPeer = await startPeer<TcpPeerReady>('tcp peer', TCP_PEER, []);
  stack.redisBaseline = await RedisBaseline.start(stack.redis.url, TIMEOUT_MS);
  const redis = stack.redisBaseline;
  const port = stack.tcpPeer.ready.port;
  const openTcp = async (mode: TcpMode): Promise<TcpConnection> => {
    const connection = await TcpConnection.open(port, mode);
    stack.tcp.push(connection);
    return connection;
  };
  const tcpAck = await openTcp(TcpMode.ack);
  const tcpEcho = await openTcp(TcpMode.echo);
  const tcpCount = await openTcp(TcpMode.count);

  const transport = (stack.transport = await NatsTransport.connect({ servers: url, name: 'bench-client' }));
  const registry = (stack.registry = await NatsKvRegistry.open(transport.connection));
  const plane = new ControlPlane({ transport, registry, provider: new RegisteredHostProvider(registry) });
  const control = new HostControl(transport, APP);
  if (!(await registry.getApp(APP))) await plane.createApp(APP);
  await control.create('bench-h1', 'p1', 'BenchProcess');
  await control.create('bench-h2', 'p2', 'BenchProcess');
  const nats = (stack.natsBaseline = await NatsBaseline.open(transport.connection, TIMEOUT_MS));
  context.note(
    `hosts on data plane ${dataPlane === 'default' ? "'default' (PRAAS_DATA_PLANE unset)" : `'${dataPlane}'`}; ` +
      `nats-server (${stack.nats.kind}), Redis (${stack.redis.kind}); every baseline peer is its own OS process`,
  );
  const peers: Peers = { plane, nats, redis, tcpAck, tcpEcho, tcpCount, dataPlane };
  for (const [label, size] of PAYLOADS) {
    if (size + ENVELOPE_ROOM > transport.maxPayload) {
      context.note(`${label} skipped: the server's max_payload is ${transport.maxPayload} bytes`);
      continue;
    }
    await latencies(context, peers, label, size);
  }
  await throughput(context, peers);
}

/** What the measurements talk to. */
interface Peers {
  readonly plane: ControlPlane;
  readonly nats: NatsBaseline;
  readonly redis: RedisBaseline;
  readonly tcpAck: TcpConnection;
  readonly tcpEcho: TcpConnection;
  readonly tcpCount: TcpConnection;
  readonly dataPlane: DataPlane | 'default';
}

const inProcess = (plane: ControlPlane, fn: string, args: unknown, pid: string): Promise<number[]> =>
  plane.invoke<number[]>(APP, fn, args, { pid, timeoutMs: 600_000 });

/** Invocation and ping-pong latencies for one payload size, ours beside the baselines. */
async function latencies(context: SuiteContext, peers: Peers, label: string, size: number): Promise<void> {
  const { plane, nats, redis, tcpAck, tcpEcho, dataPlane } = peers;
  const payload = new Uint8Array(size).fill(7);
  const counts = iterationsFor(context, size);
  const params = { payloadBytes: size };
  const ours = { dataPlane };
  const options = { ...counts, params };
  const rounds = counts.warmup + counts.iterations;

  const expectEmpty = async (answer: Promise<Buffer>): Promise<void> => {
    const body = await answer;
    if (body.length !== 0) throw new Error(`tcp request/reply: answer of ${body.length} bytes, expected 0`);
  };
  const [rr, tcpRr, invoke] = (await context.measureTogether(
    [
      ['nats_request_reply', () => nats.requestReply(payload)],
      ['tcp_request_reply', () => expectEmpty(tcpAck.exchange(payload))],
      ['invoke_remote', () => plane.invoke(APP, 'noop', payload, { pid: 'p2', timeoutMs: TIMEOUT_MS }), ours],
    ],
    options,
  )) as [Measurement, Measurement, Measurement];
  context.ratio(`invoke_vs_nats_rr_${label}`, invoke, rr);
  const hostToHost = context.record(
    'invoke_host_to_host',
    await inProcess(plane, 'timeInvoke', { ...counts, payload, peer: 'p2' } satisfies PeerTimingArgs, 'p1'),
    { ...params, ...ours },
  );
  context.ratio(`invoke_vs_tcp_echo_${label}`, hostToHost, tcpRr);

  // The same with CONCURRENT calls in flight: the peers stay busy, as under load.
  const burst = <T>(call: () => Promise<T>): Promise<T[]> => Promise.all(Array.from({ length: CONCURRENT }, call));
  const [rrBurst, invokeBurst] = (await context.measureTogether(
    [
      [`nats_request_reply_x${CONCURRENT}`, () => burst(() => nats.requestReply(payload))],
      [
        `invoke_remote_x${CONCURRENT}`,
        () => burst(() => plane.invoke(APP, 'noop', payload, { pid: 'p2', timeoutMs: TIMEOUT_MS })),
        ours,
      ],
    ],
    { ...options, iterations: Math.max(10, Math.floor(counts.iterations / 4)) },
  )) as [Measurement, Measurement];
  context.ratio(`invoke_vs_nats_rr_${label}_x${CONCURRENT}`, invokeBurst, rrBurst);

  const self = context.record(
    'invoke_self',
    await inProcess(plane, 'timeSelf', { ...counts, payload } satisfies TimingArgs, 'p1'),
    { ...params, ...ours },
  );
  context.ratio(`self_vs_nats_rr_${label}`, self, rr);

  const echoed = async (answer: Promise<Buffer>): Promise<void> => {
    const body = await answer;
    if (body.length !== size) throw new Error(`tcp echo: ${body.length} bytes back for ${size}`);
  };
  // LPUSH/BRPOP blocks while it waits, so it can be interleaved with the others; the polling
  // variant spins, and runs alone so that it does not slow the others down.
  const [pubsub, tcpPingPong, redisList] = (await redis.session('list', rounds, () =>
    context.measureTogether(
      [
        ['nats_pubsub_pingpong', () => nats.pingPong(payload)],
        ['tcp_pingpong', () => echoed(tcpEcho.exchange(payload))],
        ['redis_list_pingpong', () => redis.round('list', payload)],
      ],
      options,
    ),
  )) as [Measurement, Measurement, Measurement];
  const redisPoll = await redis.session('poll', rounds, () =>
    context.measure('redis_pingpong', () => redis.round('poll', payload), options),
  );
  const pingArgs: PeerTimingArgs = { ...counts, payload, peer: 'p2' };
  const [durations] = await Promise.all([
    inProcess(plane, 'timePingPong', pingArgs, 'p1'),
    plane.invoke<number>(APP, 'pong', rounds, { pid: 'p2', timeoutMs: 600_000 }),
  ]);
  const pingPong = context.record('sendrecv_pingpong', durations, { ...params, ...ours });
  context.ratio(`pingpong_vs_nats_pubsub_${label}`, pingPong, pubsub);
  context.ratio(`pingpong_vs_tcp_pingpong_${label}`, pingPong, tcpPingPong);
  context.ratio(`pingpong_vs_redis_${label}`, pingPong, redisPoll);
  context.ratio(`pingpong_vs_redis_list_${label}`, pingPong, redisList);
}

/**
 * One-way throughput of pipelined 1 KiB messages, run by run in turn (raw TCP, raw NATS, ours) so
 * drift of the machine hits all three alike; one warm-up run each. A run moves a fixed count of
 * messages; ours also stops at a time budget (a slow data plane would otherwise take minutes), and
 * such a run's time is scaled to the full count at the rate it reached.
 */
async function throughput(context: SuiteContext, peers: Peers): Promise<void> {
  const [label, size] = THROUGHPUT_PAYLOAD;
  const count = context.quick ? 10_000 : 100_000;
  const budgetMs = context.quick ? 10_000 : 30_000;
  const runs = context.quick ? 3 : 5;
  const payload = new Uint8Array(size).fill(7);
  const timed = async (run: () => Promise<void>): Promise<number> => {
    const start = process.hrtime.bigint();
    await run();
    return Number(process.hrtime.bigint() - start);
  };
  const sendArgs: SendsTimingArgs = {
    count,
    budgetMs,
    payloadBytes: size,
    peer: 'p2',
    window: THROUGHPUT_WINDOW,
    timeoutMs: TIMEOUT_MS,
  };
  const countArgs: CountArgs = { peer: 'p1', timeoutMs: TIMEOUT_MS };
  const ours = async (): Promise<SendsTiming> => {
    const invoke = <T>(fn: string, args: unknown, pid: string): Promise<T> =>
      peers.plane.invoke<T>(APP, fn, args, { pid, timeoutMs: budgetMs + 2 * TIMEOUT_MS });
    const [timing] = await Promise.all([
      invoke<SendsTiming>('timeSends', sendArgs, 'p1'),
      invoke<number>('countMessages', countArgs, 'p2'),
    ]);
    return timing;
  };
  const durations = { tcp: [] as number[], nats: [] as number[], ours: [] as number[] };
  const cut: number[] = [];
  for (let r = 0; r <= runs; r++) {
    const tcp = await timed(() => peers.tcpCount.sendBatch(count, payload));
    const nats = await timed(() => peers.nats.publishBatch(count, payload));
    const send = await ours();
    if (r === 0) continue; // the warm-up run
    durations.tcp.push(tcp);
    durations.nats.push(nats);
    durations.ours.push((send.durationNs * count) / send.messages);
    if (send.messages < count) cut.push(send.messages);
  }
  const params = { payloadBytes: size };
  const tcp = context.recordRate(`tcp_oneway_${label}`, count, durations.tcp, params);
  const nats = context.recordRate(`nats_publish_${label}`, count, durations.nats, params);
  const send = context.recordRate(`send_oneway_${label}`, count, durations.ours, {
    ...params,
    dataPlane: peers.dataPlane,
    window: THROUGHPUT_WINDOW,
  });
  if (cut.length) {
    context.note(
      `send_oneway_${label}: ${cut.length} of ${runs} runs stopped at the ${budgetMs} ms budget ` +
        `(after ${cut.join(', ')} of ${count} messages); their times are scaled to ${count}`,
    );
  }
  context.rateRatio(`throughput_vs_tcp_${label}`, send, tcp);
  context.rateRatio(`throughput_vs_nats_pub_${label}`, send, nats);
}
