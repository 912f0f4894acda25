import type { NatsKvRegistry, NatsTransport } from '@praas/framework/nats';
import type { ControlPlane } from '@praas/gateway';
import {
  HostControl,
  spawnGateway,
  spawnHost,
  type GatewayProcess,
  type HostProcess,
  type SpawnHostOptions,
} from '@praas/integration';
import type { SuiteContext } from '../runner';

/** Control-plane requests in flight at once (creates, first calls, swap-outs, recovery calls). */
export const IN_FLIGHT = 64;
/** At most this many of a killed host's processes are called back (issue 14: "a host that dies with 5,000 active processes"). */
export const RECOVERY_MAX = 5_000;
/** How long a new gateway may take to answer /healthz (ms) before the phase fails. */
const HEALTHY_TIMEOUT_MS = 60_000;

export const ns = (): number => Number(process.hrtime.bigint());
const msSince = (start: number): number => Math.round((ns() - start) / 1e4) / 100;

/** Runs `task` for each item, `IN_FLIGHT` at a time; returns each one's completion time (ns), sorted. */
export async function pool<T>(items: readonly T[], task: (item: T) => Promise<unknown>): Promise<number[]> {
  const done: number[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      await task(item);
      done.push(ns());
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return done.sort((a, b) => a - b);
}

/** What the start-up and recovery phases work with. */
export interface ScaleStack {
  readonly context: SuiteContext;
  readonly natsUrl: string;
  readonly app: string;
  readonly transport: NatsTransport;
  readonly registry: NatsKvRegistry;
  readonly plane: ControlPlane;
  /** Spawn options every host of the run shares (the fixture module, S3 environment). */
  readonly host: Omit<SpawnHostOptions, 'hostId'>;
}

/**
 * Start-up at N (issue 14 item 4): a NEW gateway OS process and a NEW host OS process start
 * against the registry that holds the N processes. Times from spawn until each is healthy (the
 * gateway answers /healthz; the host printed its ready line and its heartbeat record is in the
 * registry) and until its first invoke answers (the gateway: a REST invoke of `pid`, an active
 * process on another host; the host: an invoke of a process created on it). The gateway is
 * SIGKILLed after; the host is returned (it serves on, and takes processes in the recovery phase).
 */
export async function measureStartup(stack: ScaleStack, pid: string, hostId: string): Promise<HostProcess> {
  const { context, natsUrl, app } = stack;
  let gateway: GatewayProcess | undefined;
  try {
    const gatewayStart = ns();
    gateway = await spawnGateway({ natsUrl, readyTimeoutMs: HEALTHY_TIMEOUT_MS });
    await untilHealthy(gateway.httpUrl);
    context.figure('scale_gateway_start_ms', msSince(gatewayStart));
    const answer = await fetch(`${gateway.httpUrl}/v1/apps/${encodeURIComponent(app)}/invoke/size`, {
      method: 'POST',
      headers: { authorization: gateway.authorization, 'praas-process': pid },
    });
    const text = await answer.text();
    if (!answer.ok) throw new Error(`the new gateway's first invoke of ${pid} answered ${answer.status}: ${text}`);
    context.figure('scale_gateway_first_call_ms', msSince(gatewayStart));
  } finally {
    await gateway?.kill();
  }

  const hostStart = ns();
  const host = await spawnHost({ ...stack.host, hostId, readyTimeoutMs: HEALTHY_TIMEOUT_MS });
  for (const end = Date.now() + HEALTHY_TIMEOUT_MS; ;) {
    if ((await stack.registry.listHosts(app)).some((h) => h.id === hostId)) break;
    if (Date.now() > end) throw new Error(`host ${hostId} printed its ready line but wrote no heartbeat record`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  context.figure('scale_host_start_ms', msSince(hostStart));
  const first = `scale-startup-${Date.now().toString(36)}`;
  await new HostControl(stack.transport, app).create(hostId, first, 'ScaleProcess');
  await stack.plane.invoke(app, 'size', undefined, { pid: first, timeoutMs: 60_000 });
  context.figure('scale_host_first_call_ms', msSince(hostStart));
  return host;
}

/** Polls GET /healthz until it answers 200. */
async function untilHealthy(httpUrl: string): Promise<void> {
  let last = 'no answer';
  for (const end = Date.now() + HEALTHY_TIMEOUT_MS; Date.now() < end;) {
    const answered = await fetch(`${httpUrl}/healthz`).then(
      (r) => r.status,
      (e: unknown) => String(e),
    );
    if (answered === 200) return;
    last = String(answered);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`gateway at ${httpUrl} not healthy in ${HEALTHY_TIMEOUT_MS} ms (last: ${last})`);
}

/**
 * Host death (issue 14 item 4): SIGKILLs `victim` and calls up to RECOVERY_MAX of the processes
 * active on it (IN_FLIGHT at a time) until each answers again from another host, through the
 * normal activation path (the holder is gone, a live host takes the process over). Times from the
 * SIGKILL until the last answers, and each call. Returns the pids the dead host still holds (the
 * ones beyond RECOVERY_MAX, not called back).
 */
export async function measureRecovery(stack: ScaleStack, victim: HostProcess): Promise<Set<string>> {
  const { context, app, plane } = stack;
  const held: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await plane.listProcessPage(app, { limit: 1_000, host: victim.id, ...(cursor ? { cursor } : {}) });
    for (const p of page.processes) if (p.status === 'active') held.push(p.pid);
    cursor = page.cursor;
  } while (cursor);
  const called = held.slice(0, RECOVERY_MAX);
  context.figure('scale_recovery_host_held', held.length);
  context.figure('scale_recovery_processes', called.length);
  const killed = ns();
  await victim.kill();
  const durations: number[] = [];
  await pool(called, async (pid) => {
    const t = ns();
    await plane.invoke(app, 'size', undefined, { pid, timeoutMs: 60_000 });
    durations.push(ns() - t);
  });
  context.figure('scale_recovery_all_back_s', Math.round((ns() - killed) / 1e7) / 100);
  const m = context.record('recovery_call', durations, { processes: called.length });
  context.figure('scale_recovery_per_process_p50_ms', m.medianUs / 1000);
  context.figure('scale_recovery_per_process_p99_ms', m.p99Us / 1000);
  const moved = await Promise.all(called.slice(0, 100).map((pid) => stack.registry.getProcess(app, pid)));
  const stillThere = moved.filter((r) => r?.host === victim.id).length;
  if (stillThere > 0) throw new Error(`${stillThere} recovered processes still name the dead host ${victim.id}`);
  return new Set(held.slice(RECOVERY_MAX));
}
