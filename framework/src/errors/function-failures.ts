/** Options of {@link TerminalError} and {@link RetryableError}. */
export interface FunctionFailureOptions {
  /** The error that led to this one. */
  cause?: unknown;
}

/**
 * What a user function throws to say whether a later call may succeed: {@link TerminalError} or
 * {@link RetryableError}. The caller gets a `FunctionError` (`FUNCTION_FAILED`) with its message
 * and its `retryable`, through `ctx.invoke`, the embedded API, `PraasClient`, and the gateway
 * (REST `error.retryable`, gRPC `praas-error-bin`). The framework never repeats the call itself:
 * a function may have done part of its work.
 */
export abstract class FunctionFailure extends Error {
  /** Whether the same call may succeed later. */
  abstract readonly retryable: boolean;
  constructor(message: string, options: FunctionFailureOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/**
 * Thrown by a user function to fail for good: repeating the call cannot succeed (an order that
 * does not exist, a refused payment). The caller sees `retryable` false, as for any other error a
 * function throws; this one says so on purpose (as Restate's TerminalError).
 * @example
 * ```ts
 * @Fn() pay(order: Order) {
 *   if (order.total <= 0) throw new TerminalError(`order ${order.id} has nothing to pay`);
 * }
 * ```
 */
export class TerminalError extends FunctionFailure {
  readonly retryable = false;
}

/**
 * Thrown by a user function to fail this time while saying a later call may succeed (a service
 * it depends on is down, a resource is busy). The caller sees `retryable` true.
 * @example
 * ```ts
 * @Fn() async quote(item: string) {
 *   try { return await prices.get(item); }
 *   catch (e) { throw new RetryableError('the price service did not answer', { cause: e }); }
 * }
 * ```
 */
export class RetryableError extends FunctionFailure {
  readonly retryable = true;
}
