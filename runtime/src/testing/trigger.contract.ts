import assert from 'node:assert/strict';
import fc from 'fast-check';
import 'reflect-metadata';
import {
  ANY,
  batch,
  DataPlaneClient,
  decode,
  encode,
  Fn,
  multiSource,
  newId,
  Process,
  SELF,
  State,
  SwapFailedError,
  unwrapReply,
  type Context,
  type Part,
  type Registry,
  type Transport,
} from '@praas/framework';
import type { DataPlaneKind } from '../host/host-data-plane';
import { RuntimeHost } from '../host/runtime-host';
import type { ProcessControllerOptions } from '../process/process-controller';
import type { SwapStore } from '../storage/swap-store';

/** What one call of a trigger function saw. */
export interface TriggerCall {
  fn: string;
  keys: string[];
  values: string[];
  sources: string[];
}

@Process({ name: 'Reducer' })
export class Reducer {
  @State() calls: TriggerCall[] = [];

  private record(fn: string, parts: Part<string>[]): string[] {
    this.calls.push({
      fn,
      keys: parts.map((p) => p.key),
      values: parts.map((p) => p.data),
      sources: parts.map((p) => p.source),
    });
    return parts.map((p) => p.data);
  }
  @Fn({ trigger: multiSource({ count: 3 }) }) gather(parts: Part<string>[]): string[] {
    return this.record('gather', parts);
  }
  @Fn({ trigger: multiSource({ count: 3, maxWaitMs: 80 }) }) gatherSoon(parts: Part<string>[]): string[] {
    return this.record('gatherSoon', parts);
  }
  @Fn({ trigger: batch({ size: 4 }) }) flush(parts: Part<string>[]): string[] {
    return this.record('flush', parts);
  }
  @Fn({ trigger: batch({ size: 100, maxWaitMs: 60 }) }) flushSoon(parts: Part<string>[]): string[] {
    return this.record('flushSoon', parts);
  }
  @Fn({ trigger: batch({ size: 5, maxWaitMs: 100 }) }) flushFive(parts: Part<string>[]): string[] {
    return this.record('flushFive', parts);
  }
  @Fn({ trigger: multiSource({ count: 2 }) }) failing(parts: Part<string>[]): never {
    this.record('failing', parts);
    throw new Error(`reduce of ${parts.length} parts failed`);
  }
  @Fn() history(): TriggerCall[] {
    return this.calls;
  }
  /** Runs until a message with `key` arrives: a call that keeps a swap-out from finishing. */
  @Fn() async hold(key: string, ctx: Context): Promise<unknown> {
    return (await ctx.recv(ANY, key)).data;
  }
  @Fn() async viaSelf(a: { key: string; value: string }, ctx: Context): Promise<string[]> {
    return ctx.invoke<string[]>(SELF, 'gather', a.value, { key: a.key });
  }
}

@Process({ name: 'Feeder' })
export class Feeder {
  @Fn() async feed(a: { to: string; fn: string; key: string; values: string[] }, ctx: Context): Promise<void> {
    for (const v of a.values) await ctx.send(a.to, a.key, v, { fn: a.fn });
  }
  @Fn() async call(a: { to: string; fn: string; key?: string; value: string }, ctx: Context): Promise<unknown> {
    return ctx.invoke(a.to, a.fn, a.value, a.key === undefined ? {} : { key: a.key });
  }
}

export interface TriggerEnvironment {
  /** Transports for up to two hosts and the test's client (may be one shared instance in memory). */
  transport(): Promise<Transport>;
  readonly registry: Registry;
  readonly store: SwapStore;
  dispose(): Promise<void>;
}

export interface TriggerContractOptions {
  create(): Promise<TriggerEnvironment>;
  /** The data plane between the two hosts (default `'nats'`: every request over the transport). */
  dataPlane?: DataPlaneKind;
  /** fast-check runs of the property test (default 25). */
  propertyRuns?: number;
}

/** A store whose next write can be held and then failed: a swap-out whose snapshot commit fails. */
class StallingStore implements SwapStore {
  private stall: { entered: () => void; released: Promise<void> } | undefined;

  constructor(private readonly inner: SwapStore) {}

  /** Holds the next `put` until `fail` is called, then rejects it; `entered` resolves once it is held. */
  holdNextPut(): { entered: Promise<void>; fail: () => void } {
    let entered!: () => void;
    let fail!: () => void;
    const enteredP = new Promise<void>((resolve) => (entered = resolve));
    this.stall = { entered, released: new Promise<void>((resolve) => (fail = resolve)) };
    return { entered: enteredP, fail };
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const stall = this.stall;
    if (!stall) return this.inner.put(key, data);
    this.stall = undefined;
    stall.entered();
    await stall.released;
    throw new Error('store unavailable (test fault)');
  }
  get(key: string): Promise<Uint8Array | undefined> {
    return this.inner.get(key);
  }
  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }
  delete(keys: readonly string[]): Promise<void> {
    return this.inner.delete(keys);
  }
  describe(): string {
    return `stalling ${this.inner.describe()}`;
  }
}

let unique = 0;

/**
 * The semantics of multi-source and batch triggers (DESIGN §2), on any transport: who is called
 * with what, who gets which reply, and that accumulations survive swaps, on any host.
 */
export function triggerContract(name: string, options: TriggerContractOptions): void {
  describe(`Trigger contract: ${name}, ${options.dataPlane ?? 'nats'} data plane`, function () {
    this.timeout(60_000);
    let env: TriggerEnvironment;
    let app: string;
    let h1: RuntimeHost;
    let h2: RuntimeHost;
    let client: DataPlaneClient;
    let clientTransport: Transport;
    let store: StallingStore;
    // Like a real sender: one incarnation per test, messages numbered per receiver from 1.
    let clientEpoch = newId();
    let clientSeq = new Map<string, number>();

    const host = async (id: string, controller: ProcessControllerOptions = {}): Promise<RuntimeHost> => {
      const h = new RuntimeHost({
        app,
        processes: [Reducer, Feeder],
        transport: await env.transport(),
        registry: env.registry,
        store,
        hostId: id,
        controller,
        dataPlane: options.dataPlane ?? 'nats',
      });
      await h.start();
      return h;
    };

    beforeEach(async () => {
      clientEpoch = newId();
      clientSeq = new Map();
      env = await options.create();
      store = new StallingStore(env.store);
      app = `trig${process.pid}x${unique++}`;
      h1 = await host('h1', { drainTimeoutMs: 300 });
      h2 = await host('h2', { drainTimeoutMs: 300 });
      clientTransport = await env.transport();
      client = new DataPlaneClient(clientTransport, env.registry, app);
      await h1.create('r', 'Reducer');
      await h1.create('f1', 'Feeder');
      await h2.create('f2', 'Feeder');
    });
    afterEach(async () => {
      await h1.stop({ swapOut: false });
      await h2.stop({ swapOut: false });
      await env.dispose();
    });

    const invoke = async <R>(pid: string, fn: string, data: unknown, key?: string, id = newId()): Promise<R> => {
      const reply = await client.invoke(pid, {
        t: 'inv',
        id,
        from: 'client:t',
        fn,
        data: encode(data),
        timeoutMs: 20_000,
        ...(key === undefined ? {} : { key }),
      });
      const bytes = unwrapReply(reply);
      return (bytes === undefined ? undefined : decode(bytes)) as R;
    };
    const send = (pid: string, fn: string, key: string, value: string, id = newId()): Promise<void> =>
      client.send(pid, {
        t: 'msg',
        id,
        from: 'client:t',
        epoch: clientEpoch,
        seq: clientSeq.set(pid, (clientSeq.get(pid) ?? 0) + 1).get(pid)!,
        key,
        data: encode(value),
        fn,
      });
    /** A message to the mailbox (no function). */
    const post = (pid: string, key: string, value: string): Promise<void> =>
      client.send(pid, {
        t: 'msg',
        id: newId(),
        from: 'client:t',
        epoch: clientEpoch,
        seq: clientSeq.set(pid, (clientSeq.get(pid) ?? 0) + 1).get(pid)!,
        key,
        data: encode(value),
      });
    const history = (pid = 'r'): Promise<TriggerCall[]> => invoke<TriggerCall[]>(pid, 'history', null);
    const callsOf = async (fn: string, pid = 'r'): Promise<string[][]> =>
      (await history(pid)).filter((c) => c.fn === fn).map((c) => c.values);
    /** Entries the backup queue of `pid` holds (this app's processes are fresh in every test). */
    const backlog = async (pid: string): Promise<number> =>
      (await clientTransport.backup.read(app, pid, 0, 1_000)).length;
    const hostOf = async (pid: string): Promise<RuntimeHost> =>
      (await env.registry.getProcess(app, pid))?.host === 'h2' ? h2 : h1;
    const swap = async (pid: string): Promise<void> => void (await (await hostOf(pid)).swapOut(pid));
    const until = async (check: () => Promise<boolean>, what: string): Promise<void> => {
      const end = Date.now() + 10_000;
      while (!(await check())) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };

    describe('multiSource', () => {
      it('fires once count messages with the same key arrived; every invoker gets the result', async () => {
        const a = invoke<string[]>('r', 'gather', 'a', 'e1');
        await until(async () => true, 'nothing');
        const b = invoke<string[]>('f1', 'call', { to: 'r', fn: 'gather', key: 'e1', value: 'b' });
        const c = invoke<string[]>('f2', 'call', { to: 'r', fn: 'gather', key: 'e1', value: 'c' });
        const results = await Promise.all([a, b, c]);
        for (const r of results) assert.deepEqual([...r].sort(), ['a', 'b', 'c']);
        assert.deepEqual(results[0], results[1]);
        const calls = await history();
        assert.equal(calls.length, 1);
        assert.deepEqual(calls[0]!.keys, ['e1', 'e1', 'e1']);
        assert.deepEqual([...calls[0]!.sources].sort(), ['client:t', 'f1', 'f2']);
      });

      it('keeps keys apart: a later key may complete first', async () => {
        await send('r', 'gather', 'e2', 'x1');
        await send('r', 'gather', 'e3', 'y1');
        await send('r', 'gather', 'e3', 'y2');
        await send('r', 'gather', 'e3', 'y3');
        await until(async () => (await history()).length === 1, 'epoch 3');
        assert.deepEqual((await history())[0]!.values, ['y1', 'y2', 'y3']);
        await send('r', 'gather', 'e2', 'x2');
        await send('r', 'gather', 'e2', 'x3');
        await until(async () => (await history()).length === 2, 'epoch 2');
        assert.deepEqual((await history())[1]!.values, ['x1', 'x2', 'x3'], 'in arrival order');
      });

      it('counts a send toward the trigger without waiting for the result', async () => {
        await invoke('f1', 'feed', { to: 'r', fn: 'gather', key: 'k', values: ['s1', 's2'] });
        assert.deepEqual(await invoke<string[]>('r', 'gather', 'i1', 'k'), ['s1', 's2', 'i1']);
      });

      it('fires with what arrived when maxWaitMs is up', async () => {
        const started = invoke<string[]>('r', 'gatherSoon', 'only', 'k');
        await send('r', 'gatherSoon', 'k', 'second');
        assert.deepEqual(await started, ['only', 'second']);
      });

      it('passes the error of the call to every waiting contributor', async () => {
        const one = invoke('r', 'failing', 'p', 'k');
        const two = invoke('f2', 'call', { to: 'r', fn: 'failing', key: 'k', value: 'q' });
        await assert.rejects(one, /reduce of 2 parts failed/);
        await assert.rejects(two, /reduce of 2 parts failed/);
      });

      it('rejects an invocation without a key, saying how to give one', async () => {
        await assert.rejects(
          invoke('r', 'gather', 'x'),
          /'gather' of 'r' is a multi-source function: give the invocation key/,
        );
      });

      it('counts a SELF invocation like any other contribution', async () => {
        const self = invoke<string[]>('r', 'viaSelf', { key: 'k', value: 'from-self' });
        await send('r', 'gather', 'k', 'm1');
        await send('r', 'gather', 'k', 'm2');
        // The SELF contribution and m1 race (the invoke is not awaited first): any arrival order.
        assert.deepEqual([...(await self)].sort(), ['from-self', 'm1', 'm2']);
      });

      it('counts a message id seen twice once', async () => {
        await send('r', 'gather', 'k', 'once', 'same-id');
        await send('r', 'gather', 'k', 'twice', 'same-id');
        await send('r', 'gather', 'k', 'two');
        await send('r', 'gather', 'k', 'three');
        await until(async () => (await history()).length === 1, 'the call');
        assert.deepEqual((await history())[0]!.values, ['once', 'two', 'three']);
      });
    });

    describe('batch', () => {
      it('fires with size messages of any key, in arrival order', async () => {
        for (const [k, v] of [
          ['a', '1'],
          ['b', '2'],
          ['a', '3'],
          ['c', '4'],
          ['d', '5'],
        ] as const)
          await send('r', 'flush', k, v);
        await until(async () => (await history()).length === 1, 'the batch');
        const [call] = await history();
        assert.deepEqual(call!.values, ['1', '2', '3', '4']);
        assert.deepEqual(call!.keys, ['a', 'b', 'a', 'c']);
        for (const v of ['6', '7']) await send('r', 'flush', 'z', v);
        assert.deepEqual(
          await invoke<string[]>('r', 'flush', '8', 'z'),
          ['5', '6', '7', '8'],
          'the fifth message opened the next batch',
        );
      });

      it('fires maxWaitMs after the first message with what arrived', async () => {
        await send('r', 'flushSoon', 'a', '1');
        const waiting = invoke<string[]>('r', 'flushSoon', '2', 'b');
        assert.deepEqual(await waiting, ['1', '2']);
      });

      it('never hands a call more than size messages when a swap-in drains a long backlog', async () => {
        await swap('r');
        const queued = Array.from({ length: 13 }, (_, i) => `q${i + 1}`);
        for (const v of queued) await send('r', 'flush', 'q', v);
        await until(async () => (await callsOf('flush')).flat().length >= 12, 'the batches of the backlog');
        assert.deepEqual(await callsOf('flush'), [queued.slice(0, 4), queued.slice(4, 8), queued.slice(8, 12)]);
        for (const v of ['q14', 'q15', 'q16']) await send('r', 'flush', 'q', v);
        await until(async () => (await callsOf('flush')).length === 4, 'the fourth batch');
        assert.deepEqual((await callsOf('flush'))[3], ['q13', 'q14', 'q15', 'q16'], 'the rest opened the next batch');
      });

      it('keeps batches within size, in order, when maxWaitMs passed while the process was swapped out', async () => {
        await send('r', 'flushFive', 'a', 'a1');
        await send('r', 'flushFive', 'a', 'a2');
        await swap('r');
        const queued = Array.from({ length: 12 }, (_, i) => `q${i + 1}`);
        for (const v of queued) await send('r', 'flushFive', 'q', v);
        await new Promise((r) => setTimeout(r, 150)); // Past the deadline of the partial batch.
        await until(async () => (await callsOf('flushFive')).flat().length >= 14, 'every message delivered');
        const calls = await callsOf('flushFive');
        for (const c of calls) assert.ok(c.length <= 5, `a call got ${c.length} messages: ${JSON.stringify(calls)}`);
        assert.deepEqual(calls.flat(), ['a1', 'a2', ...queued], 'each once, in arrival order');
      });
    });

    describe('across swaps', () => {
      it('keeps a partial accumulation through swap-out and swap-in on another host', async () => {
        await send('r', 'gather', 'k', 'before-1');
        await send('r', 'gather', 'k', 'before-2');
        await h1.swapOut('r');
        await h2.activate('r');
        assert.equal((await env.registry.getProcess(app, 'r'))?.host, 'h2');
        assert.deepEqual(await invoke<string[]>('r', 'gather', 'after', 'k'), ['before-1', 'before-2', 'after']);
      });

      it('counts messages that waited in the backup queue, after swap-in', async () => {
        await send('r', 'gather', 'k', 'live');
        await swap('r');
        await send('r', 'gather', 'k', 'queued');
        await invoke('f2', 'feed', { to: 'r', fn: 'flush', key: 'q', values: ['q1', 'q2', 'q3'] });
        assert.equal(h1.local('r'), undefined, 'messages do not activate a process');
        assert.deepEqual(await invoke<string[]>('r', 'gather', 'last', 'k'), ['live', 'queued', 'last']);
        await send('r', 'flush', 'q', 'q4');
        await until(async () => (await history()).some((c) => c.fn === 'flush'), 'the batch');
        assert.deepEqual((await history()).find((c) => c.fn === 'flush')!.values, ['q1', 'q2', 'q3', 'q4']);
      });

      it('does not swap out while a contributing invoke waits; sends alone do not hold it', async () => {
        await send('r', 'gather', 'held', 'by-send');
        await swap('r');
        await (await hostOf('r')).activate('r').catch(() => h1.activate('r'));
        const waiting = invoke<string[]>('r', 'gather', 'by-invoke', 'held');
        await until(async () => true, 'nothing');
        await new Promise((r) => setTimeout(r, 30));
        await assert.rejects(swap('r'), /invocation\(s\) wait for a trigger to fire/);
        assert.equal((await env.registry.getProcess(app, 'r'))?.status, 'active');
        await send('r', 'gather', 'held', 'completes');
        assert.deepEqual(await waiting, ['by-send', 'by-invoke', 'completes']);
        await swap('r');
      });

      it('replies to an invocation that waited in the backup queue even after another swap', async () => {
        await swap('r');
        // Invoked while swapped out: queued with a reply subject, and the process is activated.
        const queued = invoke<string[]>('r', 'gather', 'queued-invoke', 'k');
        await until(async () => (await env.registry.getProcess(app, 'r'))?.status === 'active', 'activation');
        await new Promise((r) => setTimeout(r, 50));
        await swap('r'); // Allowed: the waiting caller is reached through its reply subject, not held in memory.
        await send('r', 'gather', 'k', 'q2');
        await send('r', 'gather', 'k', 'q3');
        await (await hostOf('r')).activate('r').catch(() => h1.activate('r'));
        assert.deepEqual(await queued, ['queued-invoke', 'q2', 'q3']);
      });
    });

    describe('when a swap-out fails', () => {
      it('delivers what it diverted as soon as it gives up waiting for a running call, in order, once', async () => {
        // A drain timeout long enough for the test to divert traffic while the swap-out waits.
        const patient = await host('h3', { drainTimeoutMs: 2_000 });
        try {
          await patient.create('p', 'Reducer');
          const holding = invoke<string>('p', 'hold', 'release');
          await until(async () => patient.local('p')?.busy === 1, 'the holding call');
          const outcome = patient.swapOut('p').then(
            () => 'swapped out',
            (e: unknown) => e,
          );
          await until(async () => patient.local('p')?.status === 'swapping-out', 'the swap-out');
          await send('p', 'gather', 'k', 'm1');
          await send('p', 'gather', 'k', 'm2');
          const contributor = invoke<string[]>('p', 'gather', 'i3', 'k');
          const standard = invoke<TriggerCall[]>('p', 'history', null);
          await until(async () => (await backlog('p')) === 4, 'the diverted traffic in the backup queue');
          const failure = await outcome;
          assert.ok(failure instanceof SwapFailedError, `the swap-out gave up: ${String(failure)}`);
          assert.deepEqual(await contributor, ['m1', 'm2', 'i3']);
          assert.ok(Array.isArray(await standard), 'the queued standard invocation is answered');
          assert.equal(patient.local('p')?.status, 'active');
          await post('p', 'release', 'go');
          assert.equal(await holding, 'go');
          const gathers = (await history('p')).filter((c) => c.fn === 'gather');
          assert.deepEqual(
            gathers.map((c) => c.values),
            [['m1', 'm2', 'i3']],
          );
        } finally {
          await patient.stop({ swapOut: false });
        }
      });

      it('delivers what it diverted while the snapshot was written when the commit fails, in order, once', async () => {
        await send('r', 'gather', 'k', 'm1');
        const stall = store.holdNextPut();
        const outcome = h1.swapOut('r').then(
          () => 'swapped out',
          (e: unknown) => e,
        );
        await stall.entered;
        await send('r', 'gather', 'k', 'm2');
        const contributor = invoke<string[]>('r', 'gather', 'i3', 'k');
        const standard = invoke<TriggerCall[]>('r', 'history', null);
        await send('r', 'flushSoon', 'b', 'b1');
        await until(async () => (await backlog('r')) === 4, 'the diverted traffic in the backup queue');
        stall.fail();
        const failure = await outcome;
        assert.ok(
          failure instanceof SwapFailedError && /store unavailable/.test(failure.message),
          `the commit failed: ${String(failure)}`,
        );
        assert.deepEqual(await contributor, ['m1', 'm2', 'i3']);
        assert.ok(Array.isArray(await standard), 'the queued standard invocation is answered');
        await until(async () => (await callsOf('flushSoon')).length === 1, 'the batch, after its maxWaitMs');
        assert.deepEqual(await callsOf('flushSoon'), [['b1']]);
        assert.deepEqual(await callsOf('gather'), [['m1', 'm2', 'i3']]);
        assert.equal(h1.local('r')?.status, 'active');
      });
    });

    it('delivers every contribution to exactly one call under random sends, invokes, timeouts and swaps', async () => {
      type Op =
        | { kind: 'send' | 'invoke'; fn: 'gather' | 'gatherSoon' | 'flush' | 'flushSoon'; key: string }
        | { kind: 'swap' }
        | { kind: 'wait'; ms: number };
      const op = fc.oneof(
        {
          weight: 6,
          arbitrary: fc.record({
            kind: fc.constantFrom('send' as const, 'invoke' as const),
            fn: fc.constantFrom('gather' as const, 'gatherSoon' as const, 'flush' as const, 'flushSoon' as const),
            key: fc.constantFrom('k1', 'k2'),
          }),
        },
        { weight: 1, arbitrary: fc.constant({ kind: 'swap' as const }) },
        {
          weight: 1,
          arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 40 }) }),
        },
      );
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops: Op[]) => {
          const pid = `prop-${run++}`;
          await h1.create(pid, 'Reducer');
          const contributed = new Map<string, string>();
          const sends: Promise<unknown>[] = [];
          const invokes: Promise<unknown>[] = [];
          let n = 0;
          for (const o of ops) {
            if (o.kind === 'wait') await new Promise((r) => setTimeout(r, o.ms));
            else if (o.kind === 'swap') {
              const host = (await env.registry.getProcess(app, pid))?.host === 'h2' ? h2 : h1;
              await host.swapOut(pid).catch(() => undefined); // Refused while an invoke waits: that is the rule.
            } else {
              const value = `${pid}-v${n++}`;
              contributed.set(value, o.fn);
              if (o.kind === 'send') sends.push(send(pid, o.fn, o.key, value));
              else invokes.push(invoke(pid, o.fn, value, o.key).catch(() => undefined));
              await Promise.resolve();
            }
          }
          // Sends resolve once accepted; invokes of functions without maxWaitMs resolve only when filled below.
          await Promise.all(sends);
          // Complete whatever is still accumulating: fill every open accumulation with fillers.
          const hist = async (): Promise<TriggerCall[]> => invoke<TriggerCall[]>(pid, 'history', null);
          const delivered = async (): Promise<Map<string, number>> => {
            const counts = new Map<string, number>();
            for (const c of await hist()) for (const v of c.values) counts.set(v, (counts.get(v) ?? 0) + 1);
            return counts;
          };
          for (const fn of ['gather', 'flush'] as const) {
            for (const key of ['k1', 'k2'])
              for (let i = 0; i < 4; i++) await send(pid, fn, key, `${pid}-fill-${fn}-${key}-${i}`);
          }
          await until(async () => {
            const counts = await delivered();
            return [...contributed.keys()].every((v) => counts.has(v));
          }, 'every contribution to be delivered');
          await Promise.all(invokes);
          const counts = await delivered();
          const seen = JSON.stringify(await hist());
          for (const v of contributed.keys())
            assert.equal(counts.get(v), 1, `${v} delivered ${counts.get(v) ?? 0} times in ${seen}`);
          for (const [v, c] of counts) assert.equal(c, 1, `${v} delivered ${c} times`);
          for (const call of await hist()) {
            for (const v of call.values) {
              if (contributed.has(v)) assert.equal(contributed.get(v), call.fn, `${v} went to the wrong function`);
            }
          }
          await (await env.registry.getProcess(app, pid).then((r) => (r?.host === 'h2' ? h2 : h1))).delete(pid);
        }),
        { numRuns: options.propertyRuns ?? 25, seed: 20261122, endOnFailure: true },
      );
    });
  });
}
