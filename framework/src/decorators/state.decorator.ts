import { DecoratorUsageError } from '../errors';
import { recordStateField, type Constructor, type TypeThunk } from '../metadata/metadata-store';

/**
 * Makes a field part of the process's swappable state. Give a type thunk for class-typed
 * values so they come back with their prototype: `@State(() => Model) model = new Model()`.
 * Built-ins (Date, Map, Set, bigint, typed arrays, Buffer) need none.
 */
export function State(type?: TypeThunk): PropertyDecorator {
  // Accepts a third argument so that misuse on a method or accessor is caught, not silently ignored.
  return (target: object, propertyKey: string | symbol, descriptor?: PropertyDescriptor) => {
    const isStatic = typeof target === 'function';
    const ctor = (isStatic ? target : target.constructor) as Constructor;
    const member = String(propertyKey);
    const fail = (problem: string): never => {
      throw new DecoratorUsageError('State', ctor.name, member, problem);
    };
    if (typeof propertyKey === 'symbol') fail('state fields need a string name, not a symbol');
    if (isStatic) fail('static fields are shared by all processes and cannot be process state');
    if (descriptor !== undefined) fail('only fields can be state, not methods or accessors');
    if (type !== undefined && typeof type !== 'function')
      fail('the type must be a thunk returning a class, e.g. @State(() => Model)');
    recordStateField(ctor, type === undefined ? { field: member } : { field: member, type });
  };
}
