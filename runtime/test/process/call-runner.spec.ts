import assert from 'node:assert/strict';
import 'reflect-metadata';
import {
  decode,
  Fn,
  fromWireError,
  FunctionError,
  FunctionNotFoundError,
  InvalidArgumentError,
  Process,
  processDefinitionOf,
  State,
  TimeoutError,
  type Context,
  type ReplyEnvelope,
} from '@praas/framework';
import { CallRunner, findFunction } from '../../src/process/call-runner';

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
}

const definition = processDefinitionOf(Counter);
const fn = (name: string) => findFunction(definition, name);
const context = (name: string): Context => ({ fn: name, self: 'c1' }) as unknown as Context;

/** Starts a call and resolves with its reply. */
const run = (runner: CallRunner, name: string, arg: unknown): Promise<ReplyEnvelope> =>
  new Promise((resolve) => runner.start(fn(name), () => arg, resolve));
const value = (reply: ReplyEnvelope): unknown => {
  if (!reply.ok) throw fromWireError(reply.error);
  return reply.data === undefined ? undefined : decode(reply.data);
};

describe('CallRunner', () => {
  let runner: CallRunner;
  beforeEach(() => (runner = new CallRunner({ pid: 'c1', definition, context })));

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
