import assert from 'node:assert/strict';
import {
  ApplicationNotFoundError,
  decodeControl,
  encodeWire,
  hostSubject,
  MemoryRegistry,
  MemoryTransport,
  NoRespondersError,
  ProcessNotFoundError,
  SwapFailedError,
  toWireError,
  type AppRecord,
  type ProcessRecord,
} from '@praas/framework/internal';
import { DataPlaneClients } from '../../src/control/data-plane-clients';
import { GatewaySender } from '../../src/control/gateway-sender';
import { HostControl } from '../../src/control/host-control';
import { chooseClass } from '../../src/control/process-operations';
import { ProcessPicker } from '../../src/control/process-picker';
import { RegistryLookups } from '../../src/control/registry-lookups';
import type { ProcessOperations } from '../../src/control/process-operations';
import type { KnownProcessClass } from '../../src/provisioning/host-provider';
import { stubProvider } from '../support/stub-provider';

const shop: AppRecord = {
  name: 'shop',
  incarnation: 'i1',
  createdAt: 1,
  processClasses: ['Cart', 'Audit'],
  functions: { Cart: ['add'], Audit: ['log'] },
};

function record(pid: string, processClass: string, status: ProcessRecord['status']): ProcessRecord {
  return { app: 'shop', pid, processClass, status, generation: 0, updatedAt: 1 };
}

describe('GatewaySender', function () {
  it('numbers messages per receiver from 1, in one epoch, each with its own id', function () {
    const sender = new GatewaySender();
    const data = new Uint8Array([1]);
    const a1 = sender.message('shop', 'a', 'k', data);
    const b1 = sender.message('shop', 'b', 'k', data);
    const a2 = sender.message('shop', 'a', 'k', data);
    const other = sender.message('mall', 'a', 'k', data);
    assert.deepEqual([a1.seq, a2.seq, b1.seq, other.seq], [1, 2, 1, 1]);
    assert.equal(new Set([a1.epoch, a2.epoch, b1.epoch, other.epoch]).size, 1);
    assert.equal(new Set([a1.id, a2.id, b1.id, other.id]).size, 4);
    assert.deepEqual([a1.t, a1.from, a1.key, a1.data], ['msg', sender.senderId, 'k', data]);
    assert.notEqual(new GatewaySender().senderId, sender.senderId);
  });

  it('builds invocations with its sender id, the key only when given', function () {
    const sender = new GatewaySender();
    const plain = sender.invocation('add', new Uint8Array([2]));
    assert.deepEqual(
      { ...plain, id: '' },
      { t: 'inv', id: '', from: sender.senderId, fn: 'add', data: new Uint8Array([2]) },
    );
    assert.equal(sender.invocation('add', new Uint8Array(), '7').key, '7');
    assert.notEqual(sender.invocation('add', new Uint8Array()).id, plain.id);
  });
});

describe('HostControl', function () {
  it('sends the request to the host’s subject and decodes the answer, or rebuilds the host’s error', async function () {
    const transport = new MemoryTransport();
    try {
      const seen: string[] = [];
      await transport.serve(hostSubject('shop', 'h1'), (bytes) => {
        const request = decodeControl(bytes);
        seen.push(`${request.op} ${request.pid}`);
        if (request.op === 'swap')
          return Promise.resolve(encodeWire({ ok: false, error: toWireError(new SwapFailedError('disk full')) }));
        if (request.op === 'delete') return Promise.resolve(encodeWire({ ok: true }));
        return Promise.resolve(encodeWire({ ok: true, data: encodeWire({ pid: request.pid }) }));
      });
      const hosts = new HostControl(transport, 1_000);
      assert.deepEqual(await hosts.request('h1', { op: 'create', app: 'shop', pid: 'p1' }), { pid: 'p1' });
      assert.equal(await hosts.request('h1', { op: 'delete', app: 'shop', pid: 'p1' }), undefined);
      await assert.rejects(hosts.request('h1', { op: 'swap', app: 'shop', pid: 'p1' }), (e: unknown) => {
        assert.ok(e instanceof SwapFailedError);
        assert.equal(e.message, 'disk full');
        return true;
      });
      await assert.rejects(hosts.request('h2', { op: 'create', app: 'shop', pid: 'p2' }), NoRespondersError);
      assert.deepEqual(seen, ['create p1', 'delete p1', 'swap p1']);
    } finally {
      await transport.close();
    }
  });
});

describe('RegistryLookups', function () {
  it('answers unknown applications, and unknown or deleted processes, as not found', async function () {
    const registry = new MemoryRegistry();
    const lookups = new RegistryLookups(registry);
    await assert.rejects(lookups.app('shop'), ApplicationNotFoundError);
    await registry.putApp(shop);
    assert.equal((await lookups.app('shop')).incarnation, 'i1');
    await assert.rejects(lookups.process('shop', 'p1'), ProcessNotFoundError);
    await registry.putProcess(record('p1', 'Cart', 'deleted'));
    await assert.rejects(lookups.process('shop', 'p1'), ProcessNotFoundError);
    await registry.putProcess(record('p1', 'Cart', 'swapped'));
    assert.equal((await lookups.process('shop', 'p1')).status, 'swapped');
    await assert.rejects(lookups.process('shop', 'no.pe'), { code: 'INVALID_NAME' });
    await registry.close();
  });
});

describe('DataPlaneClients', function () {
  it('keeps one client per application until it is forgotten', async function () {
    const transport = new MemoryTransport();
    const registry = new MemoryRegistry();
    const clients = new DataPlaneClients(transport, registry);
    assert.equal(clients.has('shop'), false);
    const first = clients.get('shop');
    assert.equal(clients.get('shop'), first);
    assert.equal(first.app, 'shop');
    clients.forget('shop');
    assert.equal(clients.has('shop'), false);
    assert.notEqual(clients.get('shop'), first);
    await registry.close();
    await transport.close();
  });
});

describe('chooseClass', function () {
  it('takes the class named or the only one, and asks when there are several', function () {
    assert.equal(chooseClass(shop, 'Audit'), 'Audit');
    assert.equal(chooseClass({ ...shop, processClasses: ['Cart'] }, undefined), 'Cart');
    assert.throws(() => chooseClass(shop, undefined), /has 2 process classes; say which one: Cart, Audit/);
    assert.throws(() => chooseClass(shop, 'Nope'), { code: 'PROCESS_CLASS_NOT_FOUND' });
  });
});

describe('ProcessPicker', function () {
  let registry: MemoryRegistry;
  let created: string[];
  let known: KnownProcessClass[];
  let picker: ProcessPicker;

  beforeEach(async function () {
    registry = new MemoryRegistry();
    created = [];
    known = [];
    await registry.putApp(shop);
    const provider = stubProvider(undefined, () => known);
    const processes = {
      createProcess: (app: string, options: { processClass?: string }) => {
        created.push(options.processClass ?? '');
        return Promise.resolve({ pid: `${options.processClass ?? ''}-new` });
      },
    } as unknown as ProcessOperations;
    picker = new ProcessPicker({ registry, provider, lookups: new RegistryLookups(registry), processes });
  });
  afterEach(async function () {
    await registry.close();
  });

  it('takes an active process of the class with the function, else a swapped one, else creates one', async function () {
    assert.equal(await picker.pick('shop', 'add', undefined), 'Cart-new');
    assert.deepEqual(created, ['Cart']);
    await registry.putProcess(record('cart-swapped', 'Cart', 'swapped'));
    await registry.putProcess(record('audit-active', 'Audit', 'active'));
    assert.equal(await picker.pick('shop', 'add', undefined), 'cart-swapped');
    await registry.putProcess(record('cart-active', 'Cart', 'active'));
    assert.equal(await picker.pick('shop', 'add', undefined), 'cart-active');
    assert.equal(await picker.pick('shop', 'log', 'Audit'), 'audit-active');
    assert.deepEqual(created, ['Cart']);
  });

  it('asks the hosts about a function the record does not know, unless the code is a deployed version', async function () {
    known = [
      { name: 'Audit', functions: ['log', 'purge'] },
      { name: 'Cart', functions: ['add'] },
    ];
    assert.equal(await picker.pick('shop', 'purge', undefined), 'Audit-new');
    await registry.putApp({ ...shop, version: 2 });
    await assert.rejects(picker.pick('shop', 'purge', undefined), { code: 'FUNCTION_NOT_FOUND' });
  });
});
