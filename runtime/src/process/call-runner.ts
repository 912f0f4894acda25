import {
  decode,
  encode,
  FunctionError,
  failSpan,
  FunctionNotFoundError,
  functionNames,
  inSpan,
  PraasError,
  SpanKind,
  TRACE_ATTRIBUTES,
  TimeoutError,
  toWireError,
  UnavailableError,
  type Context,
  type FunctionDefinition,
  type Logger,
  type ProcessDefinition,
  type ReplyEnvelope,
  type Span,
  type TimerFiring,
  type TraceContext,
} from '@praas/framework/internal';

/** A call that is a timer's firing: its `ctx.timer`, and what marks it done once it succeeded. */
export interface FiringCall {
  readonly timer: TimerFiring;
  /** Runs after the call succeeded, before a `durability: 'call'` commit: the mark is committed with its state. */
  readonly succeeded: () => void;
}
import type { ReplySink } from '../triggers/trigger-engine';
import type { HostMetrics } from '../metrics/host-metrics';
import { runInScope, type FaultOrigin } from './call-scope';
import { FunctionGate } from './function-gate';

/** The function `name` of a process class; FunctionNotFoundError naming the ones there are otherwise. */
export function findFunction(definition: ProcessDefinition, name: string): FunctionDefinition {
  const fn = definition.functions.get(name);
  if (!fn) throw new FunctionNotFoundError(definition.name, name, functionNames(definition));
  return fn;
}

/** What a {@link CallRunner} needs. */
export interface CallRunnerDeps {
  readonly app?: string;
  readonly pid: string;
  readonly definition: ProcessDefinition;
  /** The Context a call of function `fn` gets; `signal` aborts when the call is abandoned. */
  readonly context: (fn: string, signal: AbortSignal, timer?: TimerFiring) => Context;
  /** `durability: 'call'`: resolves once the state as of now is committed; a call's reply waits for it. */
  readonly commit?: (() => Promise<void>) | undefined;
  /** An error the user's code raised and nobody handled (a floating rejection, a throw in a timer). */
  readonly onFault?: (error: unknown, origin: FaultOrigin) => void;
  /** Where a failed call is logged with its stack (which never reaches the caller). */
  readonly logger: Logger;
  readonly metrics?: HostMetrics;
}

/**
 * Runs the user's functions on the process's instance (DESIGN §1): admitted by the
 * {@link FunctionGate} (`maxConcurrency`, exclusive calls), bounded by the function's `timeoutMs`
 * and by how long its caller waits, and whatever the method throws wrapped in a FunctionError with
 * the original name and message. It owns the instance, whose `@State` fields the snapshotter
 * captures and restores.
 *
 * A call past its timeout is abandoned (DESIGN §6): its caller gets a TimeoutError, its slot is
 * free at once, its `ctx.signal` aborts and its `ctx` refuses further sends, invocations and state
 * writes. Its method cannot be stopped from outside, so once no other call runs on the instance the
 * process moves to a copy of its fields: what the abandoned call writes to `this` afterwards lands
 * in the old object, which nothing captures.
 */
export class CallRunner {
  readonly gate: FunctionGate;
  private object: Record<string, unknown>;
  /** Calls running the user's method on the instance and not abandoned. */
  private live = 0;
  /** An abandoned call still holds the instance: move to a copy once no live call runs on it. */
  private detachPending = false;

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
   * called first, outside the gate: an argument that does not decode is answered at once. `trace`
   * is the caller's trace context (from its envelope): the call's span is its child. `firing` is
   * set when the call is a timer's firing.
   */
  start(
    fn: FunctionDefinition,
    args: () => unknown,
    sink: ReplySink,
    callerTimeoutMs?: number,
    trace?: TraceContext,
    firing?: FiringCall,
  ): void {
    const run = async (): Promise<ReplyEnvelope> => {
      const data = args();
      const release = await this.gate.acquire(fn.exclusive);
      try {
        let reply: ReplyEnvelope;
        try {
          const result = await this.call(fn, data, callerTimeoutMs, trace, firing?.timer);
          reply = { ok: true, data: encode(result, `result of '${fn.name}'`) };
          firing?.succeeded();
        } catch (e) {
          // An abandoned call's caller is gone: there is nobody to answer after a commit.
          if (!this.deps.commit || this.abandonedBy(e, fn)) throw e;
          reply = { ok: false, error: toWireError(e) };
        }
        if (this.deps.commit) await this.commitFor(fn);
        return reply;
      } finally {
        release();
      }
    };
    run().then(sink, (e: unknown) => sink({ ok: false, error: toWireError(e) }));
  }

  /**
   * Runs the user's method now, outside the gate (a call to SELF shares its caller's admission);
   * whatever it throws becomes a FunctionError with the original message. It ends with a
   * TimeoutError after the function's `timeoutMs` or `callerTimeoutMs`, whichever is shorter, and
   * the call is abandoned (see the class). The call is a span (`call <Class>.<fn>`), child of
   * `trace` (default: the active context, e.g. the calling function's for a call to SELF).
   */
  call(
    fn: FunctionDefinition,
    data: unknown,
    callerTimeoutMs?: number,
    trace?: TraceContext,
    timer?: TimerFiring,
  ): Promise<unknown> {
    const { app, pid, definition } = this.deps;
    const attributes = {
      [TRACE_ATTRIBUTES.app]: app ?? '',
      [TRACE_ATTRIBUTES.pid]: pid,
      [TRACE_ATTRIBUTES.processClass]: definition.name,
      [TRACE_ATTRIBUTES.fn]: fn.name,
    };
    return inSpan(`call ${definition.name}.${fn.name}`, { kind: SpanKind.SERVER, attributes, parent: trace }, (span) =>
      this.run(fn, data, callerTimeoutMs, span, timer),
    );
  }

  private async run(
    fn: FunctionDefinition,
    data: unknown,
    callerTimeoutMs: number | undefined,
    span: Span,
    firing: TimerFiring | undefined,
  ): Promise<unknown> {
    const { pid } = this.deps;
    const instance = this.object;
    const method = instance[fn.method] as (arg: unknown, ctx: Context) => unknown;
    const abort = new AbortController();
    const ctx = this.deps.context(fn.name, abort.signal, firing);
    const scope = {
      app: this.deps.app ?? '',
      pid,
      fault: (error: unknown, origin: FaultOrigin) => this.fault(error, origin),
    };
    this.live++;
    let abandoned = false;
    const running = runInScope(scope, async () => method.call(instance, data, ctx));
    const limit = callLimit(fn, callerTimeoutMs);
    const started = process.hrtime.bigint();
    let outcome = 'ok';
    let timer: NodeJS.Timeout | undefined;
    try {
      if (limit === undefined) return await running;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const error = new TimeoutError(
            limit.byCaller
              ? `'${fn.name}' of '${pid}' ran longer than its caller waits (${limit.ms} ms): the call is abandoned, its later writes are not kept`
              : `'${fn.name}' of '${pid}' ran longer than ${limit.ms} ms: the call is abandoned, its later writes are not kept`,
            { pid, function: fn.name, timeoutMs: limit.ms },
          );
          abandoned = true;
          this.abandon(instance);
          abort.abort(error);
          reject(error);
        }, limit.ms);
      });
      return await Promise.race([running, timeout]);
    } catch (e) {
      outcome = e instanceof PraasError ? e.code : 'FUNCTION_ERROR';
      // The caller gets the name and message; the stack stays here, for the operator (log and span).
      this.deps.logger.error('function failed', { fn: fn.name, class: this.deps.definition.name, err: e });
      failSpan(span, e);
      if (this.abandonedBy(e, fn)) throw e;
      if (e instanceof FunctionError) throw e;
      const name = e instanceof Error ? e.name : 'Error';
      const message = e instanceof Error ? e.message : String(e);
      const code = e instanceof PraasError ? e.code : undefined;
      throw new FunctionError(fn.name, pid, name, message, { cause: e, details: code ? { errorCode: code } : {} });
    } finally {
      clearTimeout(timer);
      if (!abandoned) {
        this.live--;
        this.detachIfIdle();
      }
      const labels = { class: this.deps.definition.name, fn: fn.name };
      this.deps.metrics?.invocations.inc({ ...labels, outcome });
      this.deps.metrics?.invocationSeconds.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  /** Whether `e` is the TimeoutError of a call of `fn` abandoned here. */
  private abandonedBy(e: unknown, fn: FunctionDefinition): boolean {
    return e instanceof TimeoutError && e.details['function'] === fn.name && e.details['pid'] === this.deps.pid;
  }

  /** `durability: 'call'`: the reply waits until the state the call produced is committed. */
  private async commitFor(fn: FunctionDefinition): Promise<void> {
    try {
      await this.deps.commit!();
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      throw new UnavailableError(
        `'${fn.name}' of '${this.deps.pid}' ran, but the state it produced could not be committed (durability 'call'): ${reason}; retried, it runs again`,
        { cause: e, details: { pid: this.deps.pid, function: fn.name } },
      );
    }
  }

  /** A call on `instance` was abandoned: it no longer counts as running there. */
  private abandon(instance: Record<string, unknown>): void {
    this.live--;
    if (instance === this.object) this.detachPending = true;
    this.detachIfIdle();
  }

  /**
   * Moves the process to a copy of its `@State` fields (encoded and decoded, as a swap would), so
   * that what an abandoned call writes to its `this` from now on is not the process's state.
   */
  private detachIfIdle(): void {
    if (!this.detachPending || this.live > 0) return;
    this.detachPending = false;
    const { definition } = this.deps;
    const old = this.object;
    const copy = new definition.ctor() as Record<string, unknown>;
    for (const f of definition.state) {
      const what = `field ${definition.name}.${f.field}`;
      copy[f.field] = decode(encode(old[f.field], what), what, f.type);
    }
    this.object = copy;
  }

  /** Hands a fault of the user's code to the process; false when nobody here takes faults. */
  private fault(error: unknown, origin: FaultOrigin): boolean {
    if (!this.deps.onFault) return false;
    this.deps.onFault(error, origin);
    return true;
  }
}

/** The shorter of the function's own timeout and its caller's; undefined when neither is set. */
function callLimit(fn: FunctionDefinition, callerTimeoutMs?: number): { ms: number; byCaller: boolean } | undefined {
  const own = fn.timeoutMs;
  if (callerTimeoutMs === undefined || callerTimeoutMs <= 0)
    return own === undefined ? undefined : { ms: own, byCaller: false };
  if (own !== undefined && own <= callerTimeoutMs) return { ms: own, byCaller: false };
  return { ms: callerTimeoutMs, byCaller: true };
}
