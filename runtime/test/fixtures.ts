import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import 'reflect-metadata';
import {
  ANY,
  DataPlaneClient,
  decode,
  encode,
  Fn,
  MemoryRegistry,
  MemoryTimerStore,
  MemoryTransport,
  newId,
  Process,
  SELF,
  State,
  unwrapReply,
  type Constructor,
  type Context,
  type Logger,
  type TimerStore,
} from '@praas/framework/internal';
import { FsSwapStore, RuntimeHost, type ProcessControllerOptions, type SwapStore } from '../src';
import type { HostTimerOptions } from '../src/timers/host-timer-service';

export class Model {
  layers: number[] = [1, 2];
  describe(): string {
    return `model(${this.layers.join(',')})`;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const source = (s: string): string | typeof ANY | typeof SELF => (s === 'ANY' ? ANY : s === 'SELF' ? SELF : s);

@Process({ maxConcurrency: 3 })
export class Worker {
  @State() count = 0;
  @State(() => Model) model = new Model();
  @State() created = new Date('2026-01-01T00:00:00Z');
  @State() weights = new Float64Array([0.5, 1.5]);
  @State() tags = new Map<string, number>([['a', 1]]);
  @State() received: string[] = [];
  private running = 0;
  private maxRunning = 0;
  private exclusiveOverlap = false;

  @Fn() inc(by: number): number {
    return (this.count += by);
  }
  @Fn() async slow(ms: number): Promise<number> {
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    if (this.running > 1 && this.exclusiveRunning) this.exclusiveOverlap = true;
    await sleep(ms);
    this.running--;
    return this.maxRunning;
  }
  private exclusiveRunning = false;
  @Fn({ exclusive: true }) async alone(ms: number): Promise<{ overlap: boolean; runningAtStart: number }> {
    const runningAtStart = this.running;
    this.exclusiveRunning = true;
    await sleep(ms);
    this.exclusiveRunning = false;
    return { overlap: this.exclusiveOverlap, runningAtStart };
  }
  @Fn() setKey(a: { key: string; value: unknown }, ctx: Context): void {
    ctx.state.set(a.key, a.value);
  }
  @Fn() getKey(key: string, ctx: Context): unknown {
    return ctx.state.get(key);
  }
  @Fn() delKey(key: string, ctx: Context): boolean {
    return ctx.state.delete(key);
  }
  @Fn() keys(_: unknown, ctx: Context): string[] {
    return ctx.state.keys().sort();
  }
  @Fn() setFunction(key: string, ctx: Context): void {
    ctx.state.set(key, { callback: () => 1 });
  }
  @Fn() async sendTo(a: { to: string; key: string; values: unknown[] }, ctx: Context): Promise<void> {
    // Not awaited one by one: sends to one receiver must still arrive in the order they were made.
    await Promise.all(a.values.map((v) => ctx.send(a.to, a.key, v)));
  }
  @Fn() async recvFrom(
    a: { from: string; key: string; n: number; timeoutMs?: number },
    ctx: Context,
  ): Promise<{ source: string; data: unknown }[]> {
    const out: { source: string; data: unknown }[] = [];
    for (let i = 0; i < a.n; i++) {
      const m = await ctx.recv(source(a.from), a.key, a.timeoutMs === undefined ? {} : { timeoutMs: a.timeoutMs });
      out.push({ source: m.source, data: m.data });
    }
    return out;
  }
  @Fn() async record(a: { key: string; n: number }, ctx: Context): Promise<number> {
    for (let i = 0; i < a.n; i++) {
      const m = await ctx.recv<number>(ANY, a.key);
      this.received.push(`${m.source}:${m.data}`);
    }
    return this.received.length;
  }
  @Fn() receivedSoFar(): string[] {
    return this.received;
  }
  @Fn() async selfEcho(data: unknown, ctx: Context): Promise<unknown> {
    await ctx.send(SELF, 'note', data);
    return (await ctx.recv(SELF, 'note')).data;
  }
  @Fn() async callSelf(by: number, ctx: Context): Promise<number> {
    return ctx.invoke<number>(SELF, 'inc', by);
  }
  @Fn() async callOther(a: { to: string; fn: string; data: unknown }, ctx: Context): Promise<unknown> {
    return ctx.invoke(a.to, a.fn, a.data);
  }
  @Fn() async sendRaw(a: { to: string; key: string }, ctx: Context): Promise<void> {
    await ctx.send(a.to, a.key, 1);
  }
  @Fn() fail(message: string): never {
    throw new RangeError(message);
  }
  @Fn() async peerPids(_: unknown, ctx: Context): Promise<string[]> {
    return (await ctx.peers()).map((p) => p.pid).sort();
  }
  @Fn() describe(_: unknown, ctx: Context) {
    return {
      count: this.count,
      model: this.model.describe(),
      created: this.created,
      weights: this.weights,
      tags: this.tags,
      self: ctx.self,
      app: ctx.app,
      fn: ctx.fn,
    };
  }
  @Fn() setModel(layers: number[]): void {
    this.model = new Model();
    this.model.layers = layers;
  }
  /** Counts, then never returns on its own; once abandoned it writes and sends anyway. */
  @Fn() async hang(_: unknown, ctx: Context): Promise<void> {
    this.count += 1;
    await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
    this.count = 1_000;
    await ctx.send(SELF, 'late', 'written after the timeout');
  }
  /** Hangs without ever looking at its signal: its promise never settles. */
  @Fn() deaf(): Promise<never> {
    this.count += 1;
    return new Promise<never>(() => undefined);
  }
  @Fn() breakField(): void {
    (this as unknown as { received: unknown }).received = [() => 0];
  }
}

export interface TestHost {
  readonly app: string;
  readonly host: RuntimeHost;
  readonly transport: MemoryTransport;
  readonly registry: MemoryRegistry;
  readonly client: DataPlaneClient;
  readonly dir: string;
  /** The timer store of the application, shared with the hosts joining this one. */
  readonly timerStore: TimerStore;
  invoke<R = unknown>(pid: string, fn: string, data?: unknown): Promise<R>;
  send(pid: string, key: string, data: unknown): Promise<void>;
  /** Stops the host without swapping its processes out (once; later calls wait for the first). */
  stopHost(): Promise<void>;
  close(): Promise<void>;
}

/** A runtime host on the in-memory transport and a file-system store, with a client to call it. */
export async function startTestHost(
  options: {
    processes?: Constructor[];
    controller?: ProcessControllerOptions;
    store?: (dir: string) => SwapStore;
    logger?: Logger;
    /**
     * Another test host whose transport, registry and store directory this one shares, as a second
     * host of one application (default: its own). Closing this one stops only its host.
     */
    joining?: TestHost;
    hostId?: string;
    /** The timers' clock and firer tuning; the store is the joined host's, or a new one. */
    timers?: Omit<HostTimerOptions, 'store'>;
  } = {},
): Promise<TestHost> {
  const app = 'test';
  const joining = options.joining;
  const transport = joining?.transport ?? new MemoryTransport();
  const registry = joining?.registry ?? new MemoryRegistry();
  const dir = joining?.dir ?? (await mkdtemp(join(tmpdir(), 'praas-runtime-test-')));
  const store = options.store ? options.store(dir) : new FsSwapStore(dir);
  const timerStore =
    joining?.timerStore ?? new MemoryTimerStore(options.timers?.now ? { now: options.timers.now } : {});
  const host = new RuntimeHost({
    app,
    processes: options.processes ?? [Worker],
    transport,
    registry,
    store,
    hostId: options.hostId ?? 'h1',
    ...(options.controller ? { controller: options.controller } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    timers: { ...options.timers, store: timerStore },
  });
  await host.start();
  const client = new DataPlaneClient(transport, registry, app);
  const epoch = newId();
  const seq = new Map<string, number>();
  let stopped: Promise<void> | undefined;
  const stopHost = (): Promise<void> => (stopped ??= host.stop({ swapOut: false }));
  return {
    app,
    host,
    transport,
    registry,
    client,
    dir,
    timerStore,
    async invoke<R>(pid: string, fn: string, data?: unknown): Promise<R> {
      const reply = await client.invoke(pid, { t: 'inv', id: newId(), from: 'client:test', fn, data: encode(data) });
      const bytes = unwrapReply(reply);
      return (bytes === undefined ? undefined : decode(bytes)) as R;
    },
    async send(pid: string, key: string, data: unknown): Promise<void> {
      const n = (seq.get(pid) ?? 0) + 1;
      seq.set(pid, n);
      await client.send(pid, { t: 'msg', id: newId(), from: 'client:test', epoch, seq: n, key, data: encode(data) });
    },
    stopHost,
    async close(): Promise<void> {
      await stopHost();
      if (joining) return;
      await timerStore.close();
      await transport.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
