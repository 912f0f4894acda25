import type { ControlPlane } from '@praas/gateway';
import type { NatsBaseline } from '../baselines/nats-baseline';
import type { RedisBaseline } from '../baselines/redis-baseline';
import type { TcpConnection } from '../baselines/tcp-baseline';
import type { CountArgs, PeerTimingArgs, SendsTiming, SendsTimingArgs, TimingArgs } from '../fixtures/bench.processes';
import type { Measurement, SuiteContext } from '../runner';

/*
 * The measurements of the data-plane suite (data-plane.bench.ts): ours beside the baselines, on
 * the peers the suite started.
 */

/** How long one exchange, or one throughput run, may take before the suite fails. */
export const TIMEOUT_MS = 120_000;
/** Calls in flight at once in the concurrent variant. */
const CONCURRENT = 16;
/** One-way throughput: payload, and sends of ours not yet accepted at once, at most. */
const THROUGHPUT_PAYLOAD: readonly [string, number] = ['1KiB', 1024];
const THROUGHPUT_WINDOW = 1024;

/** Fewer iterations for large payloads, so a run stays short. */
function iterationsFor(context: SuiteContext, size: number): { iterations: number; warmup: number } {
  const divisor = size >= 1024 * 1024 ? 10 : size >= 64 * 1024 ? 2 : 1;
  return {
    iterations: Math.max(20, Math.floor(context.iterations / divisor)),
    warmup: Math.max(5, Math.floor(context.warmup / divisor)),
  };
}

/** What the measurements talk to. */
export interface Peers {
  readonly plane: ControlPlane;
  readonly nats: NatsBaseline;
  readonly redis: RedisBaseline;
  readonly tcpAck: TcpConnection;
  readonly tcpEcho: TcpConnection;
  readonly tcpCount: TcpConnection;
  /** The data plane the hosts run, as the results name it. */
  readonly dataPlane: string;
  /** The application of the processes `p1` (on host 1) and `p2` (on host 2). */
  readonly app: string;
}

const inProcess = (peers: Peers, fn: string, args: unknown, pid: string): Promise<number[]> =>
  peers.plane.invoke<number[]>(peers.app, fn, args, { pid, timeoutMs: 600_000 });

/** Invocation and ping-pong latencies for one payload size, ours beside the baselines. */
export async function latencies(context: SuiteContext, peers: Peers, label: string, size: number): Promise<void> {
  const { plane, nats, redis, tcpAck, tcpEcho, dataPlane, app } = peers;
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
      ['invoke_remote', () => plane.invoke(app, 'noop', payload, { pid: 'p2', timeoutMs: TIMEOUT_MS }), ours],
    ],
    options,
  )) as [Measurement, Measurement, Measurement];
  context.ratio(`invoke_vs_nats_rr_${label}`, invoke, rr);
  const hostToHost = context.record(
    'invoke_host_to_host',
    await inProcess(peers, 'timeInvoke', { ...counts, payload, peer: 'p2' } satisfies PeerTimingArgs, 'p1'),
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
        () => burst(() => plane.invoke(app, 'noop', payload, { pid: 'p2', timeoutMs: TIMEOUT_MS })),
        ours,
      ],
    ],
    { ...options, iterations: Math.max(10, Math.floor(counts.iterations / 4)) },
  )) as [Measurement, Measurement];
  context.ratio(`invoke_vs_nats_rr_${label}_x${CONCURRENT}`, invokeBurst, rrBurst);

  const self = context.record(
    'invoke_self',
    await inProcess(peers, 'timeSelf', { ...counts, payload } satisfies TimingArgs, 'p1'),
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
    inProcess(peers, 'timePingPong', pingArgs, 'p1'),
    plane.invoke<number>(app, 'pong', rounds, { pid: 'p2', timeoutMs: 600_000 }),
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
export async function throughput(context: SuiteContext, peers: Peers): Promise<void> {
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
      peers.plane.invoke<T>(peers.app, fn, args, { pid, timeoutMs: budgetMs + 2 * TIMEOUT_MS });
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
