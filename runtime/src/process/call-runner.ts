import {
  encode,
  FunctionError,
  FunctionNotFoundError,
  functionNames,
  PraasError,
  TimeoutError,
  toWireError,
  type Context,
  type FunctionDefinition,
  type ProcessDefinition,
  type ReplyEnvelope,
} from '@praas/framework';
import type { ReplySink } from '../triggers/trigger-engine';
import { FunctionGate } from './function-gate';

/** The function `name` of a process class; FunctionNotFoundError naming the ones there are otherwise. */
export function findFunction(definition: ProcessDefinition, name: string): FunctionDefinition {
  const fn = definition.functions.get(name);
  if (!fn) throw new FunctionNotFoundError(definition.name, name, functionNames(definition));
  return fn;
}

/** What a {@link CallRunner} needs. */
export interface CallRunnerDeps {
  readonly pid: string;
  readonly definition: ProcessDefinition;
  /** The Context a call of function `fn` gets. */
  readonly context: (fn: string) => Context;
}

/**
 * Runs the user's functions on the process's instance (DESIGN §1): admitted by the
 * {@link FunctionGate} (`maxConcurrency`, exclusive calls), bounded by the function's `timeoutMs`,
 * and whatever the method throws wrapped in a FunctionError with the original name and message.
 * It owns the instance, whose `@State` fields the snapshotter captures and restores.
 */
export class CallRunner {
  readonly gate: FunctionGate;
  private object: Record<string, unknown>;

  constructor(private readonly deps: CallRunnerDeps) {
    this.gate = new FunctionGate(deps.definition.maxConcurrency);
    this.object = new deps.definition.ctor() as Record<string, unknown>;
  }

  /** The user's object: its methods are the functions, its `@State` fields the state. */
  get instance(): Record<string, unknown> {
    return this.object;
  }

  /** Calls running or waiting for admission. */
  get busy(): number {
    return this.gate.active + this.gate.queued;
  }

  /** Drops the instance: the process's memory is released (swapped out or stopped). */
  release(): void {
    this.object = {};
  }

  /**
   * Waits until no call runs and `waiting()` is 0 (e.g. no live invocation waits for a trigger: a
   * waiting caller cannot be carried across a swap); false after `timeoutMs`.
   */
  async quiesce(timeoutMs: number, waiting: () => number): Promise<boolean> {
    const gate = this.gate;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      const idle = await Promise.race([
        gate.idle().then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), remaining))),
      ]);
      clearTimeout(timer);
      if (!idle) return false;
      if (waiting() === 0 && gate.active === 0) return true;
      // Something still waits (a trigger that has not fired): look again shortly.
      await new Promise((resolve) => setTimeout(resolve, Math.min(20, Math.max(1, deadline - Date.now()))));
    }
  }

  /**
   * Starts a call under the gate and hands its encoded result (or error) to `sink`. `args` is
   * called first, outside the gate: an argument that does not decode is answered at once.
   */
  start(fn: FunctionDefinition, args: () => unknown, sink: ReplySink): void {
    const run = async (): Promise<ReplyEnvelope> => {
      const data = args();
      const release = await this.gate.acquire(fn.exclusive);
      try {
        const result = await this.call(fn, data);
        return { ok: true, data: encode(result, `result of '${fn.name}'`) };
      } finally {
        release();
      }
    };
    run().then(sink, (e: unknown) => sink({ ok: false, error: toWireError(e) }));
  }

  /**
   * Runs the user's method now, outside the gate (a call to SELF shares its caller's admission);
   * whatever it throws becomes a FunctionError with the original message.
   */
  async call(fn: FunctionDefinition, data: unknown): Promise<unknown> {
    const { pid } = this.deps;
    const instance = this.object;
    const method = instance[fn.method] as (arg: unknown, ctx: Context) => unknown;
    const ctx = this.deps.context(fn.name);
    const running = (async () => method.call(instance, data, ctx))();
    let timer: NodeJS.Timeout | undefined;
    try {
      if (fn.timeoutMs === undefined) return await running;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new TimeoutError(`'${fn.name}' of '${pid}' ran longer than ${fn.timeoutMs} ms`, {
                pid,
                function: fn.name,
              }),
            ),
          fn.timeoutMs,
        );
      });
      return await Promise.race([running, timeout]);
    } catch (e) {
      if (e instanceof TimeoutError && e.details['function'] === fn.name && e.details['pid'] === pid) throw e;
      if (e instanceof FunctionError) throw e;
      const name = e instanceof Error ? e.name : 'Error';
      const message = e instanceof Error ? e.message : String(e);
      const code = e instanceof PraasError ? e.code : undefined;
      throw new FunctionError(fn.name, pid, name, message, { cause: e, details: code ? { errorCode: code } : {} });
    } finally {
      clearTimeout(timer);
    }
  }
}
