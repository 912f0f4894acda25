import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  openControlSide,
  spawnHost,
  startNats,
  startRedis,
  type ControlSide,
  type HostProcess,
  type NatsService,
  type RedisService,
} from '@praas/integration';
import { NatsBaseline } from '../baselines/nats-baseline';
import { startPeer, type PeerProcess } from '../baselines/peer-process';
import { RedisBaseline } from '../baselines/redis-baseline';
import { TcpConnection } from '../baselines/tcp-baseline';
import { TcpMode, type TcpPeerReady } from '../baselines/tcp-peer';
import type { Suite, SuiteContext } from '../runner';
import { latencies, throughput, TIMEOUT_MS, type Peers } from './data-plane.measures';

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
  side?: ControlSide;
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
  await step(() => stack.side?.close());
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

  const { transport, registry, plane, control } = (stack.side = await openControlSide(url, APP, 'bench-client'));
  if (!(await registry.getApp(APP))) await plane.createApp(APP);
  await control.create('bench-h1', 'p1', 'BenchProcess');
  await control.create('bench-h2', 'p2', 'BenchProcess');
  const nats = (stack.natsBaseline = await NatsBaseline.open(transport.connection, TIMEOUT_MS));
  context.note(
    `hosts on data plane ${dataPlane === 'default' ? "'default' (PRAAS_DATA_PLANE unset)" : `'${dataPlane}'`}; ` +
      `nats-server (${stack.nats.kind}), Redis (${stack.redis.kind}); every baseline peer is its own OS process`,
  );
  const peers: Peers = { plane, nats, redis, tcpAck, tcpEcho, tcpCount, dataPlane, app: APP };
  for (const [label, size] of PAYLOADS) {
    if (size + ENVELOPE_ROOM > transport.maxPayload) {
      context.note(`${label} skipped: the server's max_payload is ${transport.maxPayload} bytes`);
      continue;
    }
    await latencies(context, peers, label, size);
  }
  await throughput(context, peers);
}
