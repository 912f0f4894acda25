import assert from 'node:assert/strict';
import {
  FunctionNotFoundError,
  InvalidArgumentError,
  InvalidNameError,
  MemoryRegistry,
  ProcessClassNotFoundError,
  type AppRecord,
} from '@praas/framework/internal';
import { classForInvoke, functionsOf, RegisteredHostProvider } from '../../src';

const shop: AppRecord = {
  name: 'shop',
  incarnation: 'i1',
  createdAt: 1,
  processClasses: ['Cart', 'Inventory', 'Audit'],
  functions: { Cart: ['add', 'get'], Inventory: ['count', 'get'], Audit: ['log'] },
};

describe('routing an invoke without a pid to a process class', function () {
  it('goes to the only class that has the function', function () {
    assert.equal(classForInvoke(shop, 'count', undefined), 'Inventory');
    assert.equal(classForInvoke(shop, 'log', undefined), 'Audit');
  });

  it('asks for the class, naming the candidates, when several have the function', function () {
    assert.throws(
      () => classForInvoke(shop, 'get', undefined),
      (e: unknown) =>
        e instanceof InvalidArgumentError &&
        /several process classes of application 'shop' have a function 'get' \(Cart, Inventory\)/.test(e.message) &&
        /REST \?class=, gRPC process_class, CLI --class/.test(e.message),
    );
    assert.equal(classForInvoke(shop, 'get', 'Inventory'), 'Inventory');
  });

  it('refuses a function no class has, a named class without it, and a class the application lacks', function () {
    assert.throws(
      () => classForInvoke(shop, 'nope', undefined),
      (e: unknown) =>
        e instanceof FunctionNotFoundError &&
        e.message ===
          "no process class of application 'shop' has a function 'nope'; its functions are: Cart.add, Cart.get, Inventory.count, Inventory.get, Audit.log",
    );
    assert.throws(
      () => classForInvoke(shop, 'count', 'Cart'),
      (e: unknown) => e instanceof FunctionNotFoundError && e.details['processClass'] === 'Cart',
    );
    assert.throws(() => classForInvoke(shop, 'count', 'Basket'), ProcessClassNotFoundError);
    assert.throws(() => classForInvoke(shop, 'count', 'a.b'), InvalidNameError);
    const single: AppRecord = {
      name: 'one',
      incarnation: 'i1',
      createdAt: 1,
      processClasses: ['Cart'],
      functions: { Cart: ['add'] },
    };
    assert.throws(
      () => classForInvoke(single, 'nope', undefined),
      (e: unknown) =>
        e instanceof FunctionNotFoundError && /process class 'Cart' has no function 'nope'/.test(e.message),
    );
  });

  it('counts a class whose functions are not known as one that may have any', function () {
    const legacy: AppRecord = { name: 'old', incarnation: 'i1', createdAt: 1, processClasses: ['Counter'] };
    assert.equal(classForInvoke(legacy, 'anything', undefined), 'Counter');
    const mixed: AppRecord = { ...shop, functions: { Cart: ['add'], Inventory: ['count'] } };
    assert.equal(classForInvoke(mixed, 'log', undefined), 'Audit', 'the class without known functions may have it');
    assert.throws(() => classForInvoke(mixed, 'add', undefined), InvalidArgumentError, 'Audit may have it too');
  });

  it('keeps the functions of the classes asked for, from what hosts or manifests report', function () {
    assert.deepEqual(
      functionsOf(
        [{ name: 'Cart', functions: ['add'] }, { name: 'Audit' }, { name: 'Other', functions: ['x'] }],
        ['Cart', 'Audit'],
      ),
      { Cart: ['add'] },
    );
  });

  it('merges the functions the live hosts of an application report', async function () {
    const registry = new MemoryRegistry();
    const beat = { app: 'shop', startedAt: Date.now(), heartbeatAt: Date.now(), activeProcesses: 0 };
    await registry.putHost({ ...beat, id: 'h1', processClasses: ['Cart'], functions: { Cart: ['get', 'add'] } });
    await registry.putHost({
      ...beat,
      id: 'h2',
      processClasses: ['Cart', 'Audit'],
      functions: { Cart: ['add', 'clear'], Audit: ['log'] },
    });
    await registry.putHost({ ...beat, id: 'h3', processClasses: ['Legacy'] });
    await registry.putHost({ ...beat, id: 'dead', heartbeatAt: 0, processClasses: ['Gone'], functions: { Gone: [] } });
    assert.deepEqual(await new RegisteredHostProvider(registry).knownProcessClasses('shop'), [
      { name: 'Audit', functions: ['log'] },
      { name: 'Cart', functions: ['add', 'clear', 'get'] },
      { name: 'Legacy' },
    ]);
    await registry.close();
  });
});
