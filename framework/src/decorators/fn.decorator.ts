import { standard, type Trigger } from '../api/triggers';
import { DecoratorUsageError, PraasError } from '../errors';
import { isValidName } from '../wire/names';
import { recordFunction, type Constructor } from '../metadata/metadata-store';

export interface FnOptions {
  /** Name callers use; defaults to the method's name. */
  name?: string;
  /** When the function fires (default: standard, one message = one call). */
  trigger?: Trigger;
  /** Run alone: no other function of the process runs while this one does. */
  exclusive?: boolean;
  /** Calls running longer than this fail with TimeoutError for the caller. */
  timeoutMs?: number;
}

const TRIGGER_KINDS = new Set(['standard', 'multiSource', 'batch', 'schedule']);

/**
 * Makes a method a function of its process. The method receives the invocation's data (for
 * multi-source and batch triggers: an array of `Part`s) and the `Context` as its last argument.
 */
export function Fn(options: FnOptions = {}): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    const isStatic = typeof target === 'function';
    const ctor = (isStatic ? target : target.constructor) as Constructor;
    const member = String(propertyKey);
    const fail = (problem: string): never => {
      throw new DecoratorUsageError('Fn', ctor.name, member, problem);
    };
    if (typeof propertyKey === 'symbol') fail('functions need a string name, not a symbol');
    if (isStatic) fail('static members cannot be functions; use an instance method');
    if (descriptor.get || descriptor.set) fail('getters and setters cannot be functions; use a method');
    if (typeof descriptor.value !== 'function') fail('only methods can be functions');
    const name = options.name ?? member;
    if (!isValidName(name)) fail(`name ${JSON.stringify(name)} must be 1-128 letters, digits, '_' or '-'`);
    const trigger = options.trigger ?? standard();
    if (!trigger || !TRIGGER_KINDS.has(trigger.kind))
      fail('trigger must come from standard(), multiSource(), batch() or schedule()');
    const timeoutMs = options.timeoutMs;
    if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0))
      fail(`timeoutMs must be positive, got ${timeoutMs}`);
    try {
      recordFunction(ctor, {
        name,
        method: member,
        trigger,
        exclusive: options.exclusive ?? false,
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
      });
    } catch (e) {
      if (e instanceof PraasError) throw e;
      fail(String(e));
    }
  };
}
