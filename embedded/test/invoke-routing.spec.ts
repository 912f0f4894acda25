import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Fn,
  FunctionNotFoundError,
  InvalidArgumentError,
  MemoryRegistry,
  Process,
  ProcessClassNotFoundError,
  State,
  type PraasError,
} from '@praas/framework/internal';
import { createEmbedded, type EmbeddedPraas } from '../src';

@Process()
class Cart {
  @State() items = 0;
  @Fn() add(n: number): number {
    return (this.items += n);
  }
  @Fn() get(): string {
    return `cart:${this.items}`;
  }
}

@Process()
class Inventory {
  @State() stock = 100;
  @Fn() count(): number {
    return this.stock;
  }
  @Fn() get(): string {
    return `inventory:${this.stock}`;
  }
}

@Process({ name: 'Cart' })
class CartV2 {
  @State() items = 0;
  @Fn() add(n: number): number {
    return (this.items += n);
  }
  @Fn() clear(): string {
    this.items = 0;
    return 'cleared';
  }
}

const code = (e: unknown): string => (e as PraasError).code;

describe('invoke without a pid goes to a class that has the function', function () {
  let praas: EmbeddedPraas;
  beforeEach(async function () {
    praas = await createEmbedded({ processes: [Cart, Inventory], downScaling: false });
    await praas.createApp('shop');
  });
  afterEach(async function () {
    await praas.close();
  });

  it('picks a process of the class with the function, not any active process', async function () {
    const cart = await praas.createProcess('shop', { processClass: 'Cart' });
    for (let i = 0; i < 5; i++) assert.equal(await praas.invoke('shop', 'count'), 100);
    const processes = await praas.listProcesses('shop');
    assert.deepEqual(processes.map((p) => p.processClass).sort(), ['Cart', 'Inventory'], 'one Inventory was created');
    assert.equal(await praas.invoke('shop', 'add', 2), 2);
    assert.equal(await praas.invoke('shop', 'add', 3), 5, 'the Cart that exists is reused');
    assert.equal((await praas.listProcesses('shop')).length, 2);
    assert.equal(await praas.invoke('shop', 'get', undefined, { pid: cart.pid }), 'cart:5');
  });

  it('picks a swapped process of the class before creating one', async function () {
    const inventory = await praas.createProcess('shop', { processClass: 'Inventory' });
    await praas.createProcess('shop', { processClass: 'Cart' });
    await praas.swapProcess('shop', inventory.pid);
    assert.equal(await praas.invoke('shop', 'count'), 100);
    assert.equal((await praas.getProcess('shop', inventory.pid)).status, 'active', 'swapped back in');
    assert.equal((await praas.listProcesses('shop')).length, 2);
  });

  it('asks for the class when several classes have the function, and takes it', async function () {
    await assert.rejects(praas.invoke('shop', 'get'), (e: unknown) => {
      assert.ok(e instanceof InvalidArgumentError);
      assert.match(
        e.message,
        /several process classes of application 'shop' have a function 'get' \(Cart, Inventory\)/,
      );
      assert.match(e.message, /REST \?class=, gRPC process_class, CLI --class/);
      assert.deepEqual(e.details['candidates'], ['Cart', 'Inventory']);
      return true;
    });
    assert.equal(await praas.invoke('shop', 'get', undefined, { processClass: 'Inventory' }), 'inventory:100');
    assert.equal(await praas.invoke('shop', 'get', undefined, { processClass: 'Cart' }), 'cart:0');
    assert.deepEqual((await praas.listProcesses('shop')).map((p) => p.processClass).sort(), ['Cart', 'Inventory']);
  });

  it('refuses an unknown function, a class without it, an unknown class, and a class with a pid', async function () {
    await assert.rejects(praas.invoke('shop', 'nope'), (e: unknown) => {
      assert.ok(e instanceof FunctionNotFoundError);
      assert.match(e.message, /no process class of application 'shop' has a function 'nope'/);
      assert.match(e.message, /Cart\.add, Cart\.get, Inventory\.count, Inventory\.get/);
      return true;
    });
    await assert.rejects(praas.invoke('shop', 'count', undefined, { processClass: 'Cart' }), (e: unknown) => {
      assert.ok(e instanceof FunctionNotFoundError);
      assert.match(e.message, /process class 'Cart' has no function 'count'/);
      return true;
    });
    await assert.rejects(
      praas.invoke('shop', 'count', undefined, { processClass: 'Basket' }),
      ProcessClassNotFoundError,
    );
    await assert.rejects(praas.invoke('shop', 'count', undefined, { processClass: 'Inventory', pid: 'x' }), (e) => {
      assert.equal(code(e), 'INVALID_ARGUMENT');
      assert.match((e as Error).message, /a pid or a process class/);
      return true;
    });
    assert.deepEqual(await praas.listProcesses('shop'), [], 'nothing was created on the way');
  });
});

describe('invoke without a pid after the code changed under an existing application', function () {
  it('reaches a function the hosts gained since the application was created (praas-framework dev reload)', async function () {
    const registry = new MemoryRegistry();
    const swapDir = mkdtempSync(join(tmpdir(), 'praas-reload-'));
    const before = await createEmbedded({ processes: [Cart], registry, swapDir, downScaling: false });
    await before.createApp('shop');
    assert.equal(await before.invoke('shop', 'add', 4), 4);
    await before.close();
    // As `praas-framework dev` does on a change: the same registry and swap directory, the new code.
    const after = await createEmbedded({ processes: [CartV2], registry, swapDir, downScaling: false });
    try {
      assert.equal(await after.invoke('shop', 'clear'), 'cleared');
      await assert.rejects(after.invoke('shop', 'get'), (e) => code(e) === 'FUNCTION_NOT_FOUND');
    } finally {
      await after.close();
      await registry.close();
      await rm(swapDir, { recursive: true, force: true });
    }
  });
});
