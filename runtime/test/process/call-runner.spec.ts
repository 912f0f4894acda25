import assert from 'node:assert/strict';
import 'reflect-metadata';
import {
  decode,
  Fn,
  fromWireError,
  FunctionError,
  FunctionNotFoundError,
  InvalidArgumentError,
  MemoryLogger,
  Process,
  processDefinitionOf,
  State,
  TimeoutError,
  type Context,
  type ReplyEnvelope,
} from '@praas/framework/internal';
import { ProcessContext, type ContextHost } from '../../src/process/process-context';
import { HostMetrics } from '../../src/metrics/host-metrics';
import { CallRunner, findFunction } from '../../src/process/call-runner';
import { claimProcessFault } from '../../src/process/call-scope';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

@Process({ maxConcurrency: 1 })
class Counter {
  @State() total = 0;
  @Fn() add(n: number): number {
    return (this.total += n);
  }
  @Fn() async slow(ms: number): Promise<number> {
    await sleep(ms);
    return ms;
  }
  @Fn() who(_: unknown, ctx: Context): string {
    return `${ctx.fn}@${ctx.self}`;
  }
  @Fn() fail(message: string): never {
    throw new RangeError(message);
  }
  @Fn() refuse(): never {
    throw new InvalidArgumentError('bad input');
  }
  @Fn({ timeoutMs: 20 }) async hang(): Promise<void> {
    await sleep(200);
  }
  /** Never returns unless its signal aborts. */
  @Fn() async forever(_: unknown, ctx: Context): Promise<string> {
    await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
    return 'stopped';
  }
  /** Hangs without ever looking at its signal: its promise never settles. */
  @Fn() deaf(): Promise<never> {
    deafCalls.push(1);
    return new Promise<never>(() => undefined);
  }
  /** Writes before its timeout and after it. */
  @Fn({ timeoutMs: 20 }) async lateWrite(_: unknown, ctx: Context): Promise<void> {
    this.total = 1;
    await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
    this.total = 999;
    lateWrites.push(this.total);
  }
  /** Raises a fault the way user code does: a throw in a timer nobody can catch. */
  @Fn() leak(): void {
    setTimeout(() => {
      claimedBy.push(claimProcessFault(new Error('thrown in a timer'), 'uncaughtException'));
    }, 1);
  }
}

const lateWrites: number[] = [];
const deafCalls: number[] = [];
const claimedBy: boolean[] = [];

const definition = processDefinitionOf(Counter);
const fn = (name: string) => findFunction(definition, name);
const context = (name: string, signal: AbortSignal): Context =>
  ({ fn: name, self: 'c1', signal }) as unknown as Context;

/** Starts a call and resolves with its reply. */
const run = (runner: CallRunner, name: string, arg: unknown): Promise<ReplyEnvelope> =>
  new Promise((resolve) => runner.start(fn(name), () => arg, resolve));
const value = (reply: ReplyEnvelope): unknown => {
  if (!reply.ok) throw fromWireError(reply.error);
  return reply.data === undefined ? undefined : decode(reply.data);
};

describe('CallRunner', () => {
  let runner: CallRunner;
  let logger: MemoryLogger;
  let metrics: HostMetrics;
  beforeEach(() => {
    logger = new MemoryLogger();
    metrics = new HostMetrics({ app: 'a', host: 'h' }, { defaultMetrics: false });
    runner = new CallRunner({ pid: 'c1', definition, context, logger, metrics });
  });

  it('logs a failed call with its stack, which stays out of the answer, and counts calls by outcome', async () => {
    const reply = await run(runner, 'fail', 'out of range');
    assert.equal(reply.ok, false);
    assert.equal(JSON.stringify(reply).includes('call-runner.spec'), false, 'no stack frame reaches the caller');
    const [record] = logger.at('error', 'function failed');
    assert.equal(record?.['fn'], 'fail');
    const err = record?.['err'] as { type: string; stack: string };
    assert.equal(err.type, 'RangeError');
    assert.match(err.stack, /call-runner\.spec/);
    await run(runner, 'add', 1);
    const text = await metrics.render();
    assert.match(
      text,
      /praas_host_invocations_total\{class="Counter",fn="fail",outcome="FUNCTION_ERROR",app="a",host="h"\} 1/,
    );
    assert.match(text, /praas_host_invocation_duration_seconds_count\{[^}]*fn="add"[^}]*\} 1/);
  });

  it('runs the method on the instance with its context and answers with the encoded result', async () => {
    assert.equal(value(await run(runner, 'add', 2)), 2);
    assert.equal(value(await run(runner, 'add', 3)), 5);
    assert.equal(runner.instance['total'], 5);
    assert.equal(value(await run(runner, 'who', null)), 'who@c1');
  });

  it('admits calls through the gate (maxConcurrency 1 here) and counts them as busy', async () => {
    const first = run(runner, 'slow', 20);
    const second = run(runner, 'slow', 1);
    await sleep(0);
    assert.equal(runner.busy, 2);
    assert.equal(runner.gate.active, 1);
    await Promise.all([first, second]);
    assert.equal(runner.busy, 0);
  });

  it('wraps what the method throws in a FunctionError with the original name, message and code', async () => {
    await assert.rejects(
      runner.call(fn('fail'), 'out of range'),
      (e: unknown) =>
        e instanceof FunctionError && e.details['errorName'] === 'RangeError' && e.message.includes('out of range'),
    );
    const reply = await run(runner, 'refuse', null);
    assert.equal(reply.ok, false);
    assert.equal(!reply.ok && reply.error.code, 'FUNCTION_FAILED');
    assert.equal(!reply.ok && reply.error.details?.['errorCode'], 'INVALID_ARGUMENT');
  });

  it("ends a call that runs longer than its function's timeoutMs with a TimeoutError naming it", async () => {
    await assert.rejects(
      runner.call(fn('hang'), null),
      (e: unknown) => e instanceof TimeoutError && e.details['function'] === 'hang' && e.details['pid'] === 'c1',
    );
  });

  it("abandons a call past its caller's timeout: the slot is free, the signal aborts, later calls run", async () => {
    const abandoned = await new Promise<ReplyEnvelope>((resolve) =>
      runner.start(fn('forever'), () => null, resolve, 30),
    );
    assert.equal(!abandoned.ok && abandoned.error.code, 'TIMEOUT');
    assert.match(!abandoned.ok ? abandoned.error.message : '', /caller waits \(30 ms\)/);
    assert.equal(runner.gate.active, 0, 'the abandoned call no longer holds its slot');
    // maxConcurrency is 1: before, every later call waited behind the one that never returns.
    assert.equal(value(await run(runner, 'add', 4)), 4);
    assert.equal(await runner.quiesce(1_000, () => 0), true, 'a swap-out does not wait on the abandoned call');
  });

  it('frees the slot of a call that ignores its signal and never settles: later calls run, nothing waits on it', async () => {
    // maxConcurrency is 1: each of these would hold the only slot for ever if the runner waited on the method.
    for (let i = 1; i <= 2; i++) {
      const reply = await new Promise<ReplyEnvelope>((resolve) => runner.start(fn('deaf'), () => null, resolve, 30));
      assert.equal(!reply.ok && reply.error.code, 'TIMEOUT');
      assert.match(!reply.ok ? reply.error.message : '', /'deaf' of 'c1' ran longer than its caller waits \(30 ms\)/);
      assert.equal(deafCalls.length, i, 'the method ran (and still hangs)');
    }
    assert.equal(runner.gate.active, 0, 'the hanging calls hold no slot');
    assert.equal(runner.busy, 0);
    assert.equal(value(await run(runner, 'add', 4)), 4);
    assert.equal(await runner.quiesce(1_000, () => 0), true, 'a swap-out does not wait on the hanging calls');
    deafCalls.splice(0);
  });

  it('keeps what an abandoned call wrote before its timeout, not what it writes after', async () => {
    const reply = await run(runner, 'lateWrite', null);
    assert.equal(!reply.ok && reply.error.code, 'TIMEOUT');
    await sleep(0);
    assert.deepEqual(lateWrites.splice(0), [999], 'the call went on and wrote');
    assert.equal(runner.instance['total'], 1, 'but not to the state of the process');
    assert.equal(value(await run(runner, 'add', 1)), 2);
  });

  it('refuses what an abandoned call still tries through its context', async () => {
    const sent: string[] = [];
    const host = {
      pid: 'c1',
      keyedState: { set: (k: string) => sent.push(`set ${k}`) },
      send: async () => void sent.push('send'),
    } as unknown as ContextHost;
    const abort = new AbortController();
    const ctx = new ProcessContext(host, 'f', abort.signal);
    await ctx.send('other', 'k', 1);
    abort.abort(new TimeoutError('abandoned'));
    await assert.rejects(ctx.send('other', 'k', 2), TimeoutError);
    assert.throws(() => ctx.state.set('k', 1), TimeoutError);
    assert.deepEqual(sent, ['send']);
  });

  it('attributes a fault raised in a timer of a call to its process', async () => {
    const faults: string[] = [];
    const own = new CallRunner({
      pid: 'c1',
      definition,
      context,
      logger: new MemoryLogger(),
      onFault: (error, origin) => faults.push(`${origin}: ${(error as Error).message}`),
    });
    assert.equal(value(await new Promise<ReplyEnvelope>((r) => own.start(fn('leak'), () => null, r))), undefined);
    await sleep(20);
    assert.deepEqual(faults, ['uncaughtException: thrown in a timer']);
    assert.deepEqual(claimedBy.splice(0), [true]);
    assert.equal(claimProcessFault(new Error('the host'), 'uncaughtException'), false, 'outside any call');
  });

  it('answers at once, outside the gate, when the arguments cannot be read', async () => {
    const holding = run(runner, 'slow', 30);
    const reply = await new Promise<ReplyEnvelope>((resolve) =>
      runner.start(
        fn('add'),
        () => {
          throw new InvalidArgumentError('argument does not decode');
        },
        resolve,
      ),
    );
    assert.equal(runner.gate.active, 1, 'the slow call still holds the gate');
    assert.equal(!reply.ok && reply.error.code, 'INVALID_ARGUMENT');
    await holding;
  });

  it('quiesces once nothing runs and nothing waits, and gives up after the timeout', async () => {
    const slow = run(runner, 'slow', 30);
    let waiting = 1;
    const quiet = runner.quiesce(2_000, () => waiting);
    await slow;
    await sleep(5);
    waiting = 0;
    assert.equal(await quiet, true);
    const stuck = run(runner, 'slow', 100);
    assert.equal(await runner.quiesce(10, () => 0), false);
    await stuck;
  });

  it('drops the instance on release', () => {
    runner.instance['total'] = 7;
    runner.release();
    assert.deepEqual(runner.instance, {});
  });

  it('findFunction names the functions there are when one is missing', () => {
    assert.throws(
      () => findFunction(definition, 'nope'),
      (e: unknown) => e instanceof FunctionNotFoundError && /add/.test(e.message),
    );
  });
});
