import assert from 'node:assert/strict';
import {
  EncodeError,
  FunctionError,
  FunctionNotFoundError,
  InvalidNameError,
  ProcessNotFoundError,
  SwapFailedError,
  TimeoutError,
  encode,
  unwrapReply,
  type InvokeEnvelope,
} from '@praas/framework/internal';
import type { SwapStore } from '../../src';
import { FsSwapStore } from '../../src';
import { Model, startTestHost, Worker, type TestHost } from '../fixtures';

describe('ProcessController (through a runtime host on the in-memory transport)', () => {
  let t: TestHost;
  beforeEach(async () => {
    t = await startTestHost();
    await t.host.create('w1', 'Worker');
    await t.host.create('w2', 'Worker');
  });
  afterEach(async () => t.close());

  describe('functions and state', () => {
    it('keeps field state between calls and gives the function its context', async () => {
      assert.equal(await t.invoke('w1', 'inc', 2), 2);
      assert.equal(await t.invoke('w1', 'inc', 3), 5);
      const d = await t.invoke<{ count: number; self: string; app: string; fn: string }>('w1', 'describe');
      assert.deepEqual([d.count, d.self, d.app, d.fn], [5, 'w1', 'test', 'describe']);
      assert.equal(await t.invoke('w2', 'inc', 1), 1, 'processes do not share state');
    });

    it('offers keyed state: set, get, delete, keys', async () => {
      await t.invoke('w1', 'setKey', { key: 'cart', value: { items: [1, 2] } });
      await t.invoke('w1', 'setKey', { key: 'user', value: 'ann' });
      assert.deepEqual(await t.invoke('w1', 'getKey', 'cart'), { items: [1, 2] });
      assert.deepEqual(await t.invoke('w1', 'keys'), ['cart', 'user']);
      assert.equal(await t.invoke('w1', 'delKey', 'user'), true);
      assert.equal(await t.invoke('w1', 'delKey', 'user'), false);
      assert.deepEqual(await t.invoke('w1', 'keys'), ['cart']);
    });

    it('refuses to store a value that cannot be swapped, naming the key, at set time', async () => {
      await assert.rejects(t.invoke('w1', 'setFunction', 'hooks'), (e: unknown) => {
        assert.ok(e instanceof FunctionError);
        assert.match(e.message, /state key 'hooks'\.callback: a function \(callback\) cannot be encoded/);
        return true;
      });
      assert.deepEqual(await t.invoke('w1', 'keys'), []);
    });

    it("passes a user function's exception to the caller with its message, and keeps serving", async () => {
      await assert.rejects(t.invoke('w1', 'fail', 'no such account'), (e: unknown) => {
        assert.ok(e instanceof FunctionError);
        assert.equal(e.message, 'no such account');
        assert.equal(e.details['errorName'], 'RangeError');
        assert.equal(e.details['function'], 'fail');
        return true;
      });
      assert.equal(await t.invoke('w1', 'inc', 1), 1);
    });

    it('answers an unknown function with the list of functions that exist', async () => {
      await assert.rejects(t.invoke('w1', 'nope'), (e: unknown) => {
        assert.ok(e instanceof FunctionNotFoundError);
        assert.match(e.message, /process class 'Worker' has no function 'nope'; its functions are: inc, slow, alone/);
        return true;
      });
    });

    it('rejects an unknown pid and an invalid pid', async () => {
      await assert.rejects(t.invoke('ghost', 'inc', 1), ProcessNotFoundError);
      await assert.rejects(t.send('ghost', 'k', 1), ProcessNotFoundError);
      await assert.rejects(
        t.invoke('w1', 'sendRaw', { to: 'ghost', key: 'k' }),
        /application 'test' has no process 'ghost'/,
      );
      await assert.rejects(t.invoke('w1', 'sendRaw', { to: 'bad.pid', key: 'k' }), /invalid pid "bad.pid"/);
      await assert.rejects(t.invoke('bad.pid', 'inc', 1), InvalidNameError);
    });
  });

  describe('concurrency', () => {
    it('runs at most maxConcurrency calls at once', async () => {
      const results = await Promise.all(Array.from({ length: 7 }, () => t.invoke<number>('w1', 'slow', 30)));
      assert.equal(Math.max(...results), 3);
    });

    it('runs an exclusive call alone', async () => {
      const slow = [t.invoke('w1', 'slow', 40), t.invoke('w1', 'slow', 40)];
      const alone = t.invoke<{ overlap: boolean; runningAtStart: number }>('w1', 'alone', 40);
      const after = t.invoke('w1', 'slow', 10);
      await Promise.all([...slow, after]);
      assert.deepEqual(await alone, { overlap: false, runningAtStart: 0 });
    });

    it('lets other functions run while one waits in recv', async () => {
      const waiting = t.invoke<{ data: unknown }[]>('w1', 'recvFrom', { from: 'ANY', key: 'go', n: 1 });
      assert.equal(await t.invoke('w1', 'inc', 1), 1);
      await t.invoke('w2', 'sendTo', { to: 'w1', key: 'go', values: ['now'] });
      assert.deepEqual(
        (await waiting).map((m) => m.data),
        ['now'],
      );
    });
  });

  describe('messages', () => {
    it('delivers messages between processes in the order each sender sent them', async () => {
      const values = Array.from({ length: 100 }, (_, i) => i);
      await t.invoke('w2', 'sendTo', { to: 'w1', key: 'n', values });
      const got = await t.invoke<{ source: string; data: number }[]>('w1', 'recvFrom', {
        from: 'w2',
        key: 'n',
        n: 100,
      });
      assert.deepEqual(
        got.map((m) => m.data),
        values,
      );
      assert.ok(got.every((m) => m.source === 'w2'));
    });

    it('matches by source and key: a message for another key or sender stays in the mailbox', async () => {
      await t.send('w1', 'a', 'from-client');
      await t.invoke('w2', 'sendTo', { to: 'w1', key: 'a', values: ['from-w2'] });
      await t.invoke('w2', 'sendTo', { to: 'w1', key: 'b', values: ['b-from-w2'] });
      assert.deepEqual(await t.invoke('w1', 'recvFrom', { from: 'w2', key: 'a', n: 1 }), [
        { source: 'w2', data: 'from-w2' },
      ]);
      const any = await t.invoke<{ source: string }[]>('w1', 'recvFrom', { from: 'ANY', key: 'a', n: 1 });
      assert.match(any[0]!.source, /^client:/);
      assert.deepEqual(await t.invoke('w1', 'recvFrom', { from: 'ANY', key: 'b', n: 1 }), [
        { source: 'w2', data: 'b-from-w2' },
      ]);
    });

    it('sends to SELF and receives from SELF', async () => {
      assert.deepEqual(await t.invoke('w1', 'selfEcho', { x: 1 }), { x: 1 });
    });

    it('times out a recv with a TimeoutError that reaches the caller', async () => {
      await assert.rejects(
        t.invoke('w1', 'recvFrom', { from: 'w2', key: 'never', n: 1, timeoutMs: 30 }),
        (e: unknown) => {
          assert.ok(e instanceof FunctionError);
          assert.equal(e.details['errorName'], 'TimeoutError');
          assert.match(e.message, /no message 'never' from 'w2' within 30 ms/);
          return true;
        },
      );
    });
  });

  describe('invoke', () => {
    it('calls SELF and another process with the same call', async () => {
      assert.equal(await t.invoke('w1', 'callSelf', 4), 4);
      assert.equal(await t.invoke('w1', 'callOther', { to: 'w2', fn: 'inc', data: 10 }), 10);
      assert.equal(await t.invoke('w2', 'inc', 0), 10);
    });

    it('passes a remote function error back through a chain of invocations', async () => {
      await assert.rejects(t.invoke('w1', 'callOther', { to: 'w2', fn: 'fail', data: 'deep' }), /deep/);
      await assert.rejects(
        t.invoke('w1', 'callOther', { to: 'w2', fn: 'missing', data: 1 }),
        /has no function 'missing'/,
      );
    });

    it('lists the peers of the application', async () => {
      assert.deepEqual(await t.invoke('w1', 'peerPids'), ['w1', 'w2']);
    });
  });

  describe('swap out and in', () => {
    it('restores fields, keyed state and unread messages', async () => {
      await t.invoke('w1', 'inc', 7);
      await t.invoke('w1', 'setModel', [3, 4, 5]);
      await t.invoke('w1', 'setKey', { key: 'when', value: new Date('2020-02-02T00:00:00Z') });
      await t.invoke('w2', 'sendTo', { to: 'w1', key: 'later', values: ['u1', 'u2'] });
      const info = await t.host.swapOut('w1');
      assert.equal(info.status, 'swapped');
      assert.equal(info.generation, 1);
      assert.equal(t.host.local('w1'), undefined, 'memory is released');
      assert.equal((await t.registry.getProcess('test', 'w1'))?.status, 'swapped');

      await t.host.activate('w1');
      const d = await t.invoke<{
        count: number;
        model: string;
        created: Date;
        weights: Float64Array;
        tags: Map<string, number>;
      }>('w1', 'describe');
      assert.equal(d.count, 7);
      assert.equal(d.model, 'model(3,4,5)');
      assert.ok(d.created instanceof Date);
      assert.deepEqual(d.weights, new Float64Array([0.5, 1.5]));
      assert.deepEqual(d.tags, new Map([['a', 1]]));
      assert.deepEqual(await t.invoke('w1', 'getKey', 'when'), new Date('2020-02-02T00:00:00Z'));
      const unread = await t.invoke<{ data: unknown }[]>('w1', 'recvFrom', { from: 'w2', key: 'later', n: 2 });
      assert.deepEqual(
        unread.map((m) => m.data),
        ['u1', 'u2'],
      );
    });

    it('restores a class-typed field with its prototype', async () => {
      await t.invoke('w1', 'setModel', [9]);
      await t.host.swapOut('w1');
      await t.host.activate('w1');
      const state = t.host.local('w1') as unknown as { instance: { model: unknown } };
      assert.ok(state.instance.model instanceof Model);
    });

    it('queues messages for a swapped-out process and delivers them in order at swap-in', async () => {
      await t.host.swapOut('w1');
      await t.invoke('w2', 'sendTo', { to: 'w1', key: 'q', values: [1, 2, 3] });
      await t.send('w1', 'q', 'client');
      assert.equal(t.host.local('w1'), undefined, 'a message does not activate the process');
      await t.host.activate('w1');
      const fromW2 = await t.invoke<{ data: unknown }[]>('w1', 'recvFrom', { from: 'w2', key: 'q', n: 3 });
      assert.deepEqual(
        fromW2.map((m) => m.data),
        [1, 2, 3],
      );
      const fromClient = await t.invoke<{ data: unknown }[]>('w1', 'recvFrom', { from: 'ANY', key: 'q', n: 1 });
      assert.deepEqual(
        fromClient.map((m) => m.data),
        ['client'],
      );
    });

    it('swaps a process back in transparently when it is invoked', async () => {
      await t.invoke('w1', 'inc', 5);
      await t.host.swapOut('w1');
      assert.equal(await t.invoke('w1', 'inc', 1), 6);
      assert.equal(await t.invoke('w2', 'callOther', { to: 'w1', fn: 'inc', data: 1 }), 7);
      assert.equal(t.host.local('w1')?.status, 'active');
    });

    it('answers an invocation that swapped a process in only once the registry says it is active', async () => {
      await t.invoke('w1', 'inc', 5);
      await t.host.swapOut('w1');
      // A slow registry: the 'active' record lands well after the queued invocation ran.
      const put = t.registry.putProcess.bind(t.registry);
      t.registry.putProcess = async (record) => {
        if (record.status === 'active') await new Promise((resolve) => setTimeout(resolve, 50));
        return put(record);
      };
      assert.equal(await t.invoke('w1', 'inc', 1), 6);
      assert.equal((await t.registry.getProcess(t.app, 'w1'))?.status, 'active');
    });

    it('waits for running calls before it swaps out', async () => {
      const running = t.invoke('w1', 'slow', 50);
      await new Promise((r) => setTimeout(r, 5));
      const swapped = t.host.swapOut('w1');
      assert.equal(await running, 1);
      assert.equal((await swapped).status, 'swapped');
    });

    it('keeps per-sender order and exactly-once delivery across many swaps', async () => {
      const receiving = t.invoke('w1', 'record', { key: 'seq', n: 300 });
      const sending = (async () => {
        for (let batch = 0; batch < 10; batch++) {
          const values = Array.from({ length: 15 }, (_, i) => batch * 15 + i);
          await Promise.all([
            t.invoke('w2', 'sendTo', { to: 'w1', key: 'seq', values }),
            (async () => {
              for (const v of values) await t.send('w1', 'seq', v);
            })(),
          ]);
        }
      })();
      // The receiver cannot swap while `record` runs: it waits in recv. Swap the sender instead,
      // which exercises the sender's sequence numbers surviving a swap.
      for (let i = 0; i < 5; i++) {
        await new Promise((r) => setTimeout(r, 2));
        await t.host.swapOut('w2').catch(() => undefined);
        await t.host.activate('w2');
      }
      await sending;
      assert.equal(await receiving, 300);
      const got = await t.invoke<string[]>('w1', 'receivedSoFar');
      for (const sender of ['w2', 'client:test']) {
        const values = got.filter((g) => g.startsWith(`${sender}:`)).map((g) => Number(g.split(':').pop()));
        assert.deepEqual(
          values,
          Array.from({ length: 150 }, (_, i) => i),
          `order from ${sender}`,
        );
      }
    });

    it('gives up a swap-out while a call waits in recv, and stays active', async () => {
      const slowHost = await startTestHost({ controller: { drainTimeoutMs: 50 } });
      try {
        await slowHost.host.create('r', 'Worker');
        const waiting = slowHost.invoke('r', 'recvFrom', { from: 'ANY', key: 'k', n: 1 });
        await new Promise((r) => setTimeout(r, 5));
        await assert.rejects(
          slowHost.host.swapOut('r'),
          (e: unknown) => e instanceof SwapFailedError && /still run/.test(e.message),
        );
        assert.equal(slowHost.host.local('r')?.status, 'active');
        await slowHost.send('r', 'k', 'done');
        assert.deepEqual(
          ((await waiting) as { data: unknown }[]).map((m) => m.data),
          ['done'],
        );
        assert.equal((await slowHost.host.swapOut('r')).status, 'swapped');
      } finally {
        await slowHost.close();
      }
    });

    it("swaps out past a call abandoned at its caller's timeout, without what it wrote afterwards", async () => {
      const slowHost = await startTestHost({ controller: { drainTimeoutMs: 500 } });
      try {
        await slowHost.host.create('h', 'Worker');
        const envelope = { t: 'inv', id: 'hang-1', from: 'client:test', fn: 'hang', data: encode(null), timeoutMs: 50 };
        await assert.rejects(
          slowHost.client.invoke('h', envelope as InvokeEnvelope, 50).then(unwrapReply),
          (e: unknown) => e instanceof TimeoutError,
        );
        // Before, the call kept its slot and the swap-out failed with SWAP_FAILED after drainTimeoutMs.
        assert.equal((await slowHost.host.swapOut('h')).status, 'swapped');
        const d = await slowHost.invoke<{ count: number }>('h', 'describe');
        assert.equal(d.count, 1, 'the write before the timeout is kept, the one after it is not');
        assert.equal(
          (await slowHost
            .invoke<unknown[]>('h', 'recvFrom', { from: 'ANY', key: 'late', n: 1, timeoutMs: 50 })
            .catch((e: unknown) => e)) instanceof FunctionError,
          true,
          'the send it tried after the timeout was refused',
        );
      } finally {
        await slowHost.close();
      }
    });

    it('frees a process from calls that ignore their signal and never settle: caller timeouts, later calls, swap-out', async () => {
      const slowHost = await startTestHost({ controller: { drainTimeoutMs: 500 } });
      try {
        await slowHost.host.create('d', 'Worker');
        // maxConcurrency is 3: one more hanging call than slots, each ended by its caller's timeout.
        for (let i = 0; i < 4; i++) {
          const envelope = {
            t: 'inv',
            id: `deaf-${i}`,
            from: 'client:test',
            fn: 'deaf',
            data: encode(null),
            timeoutMs: 50,
          };
          await assert.rejects(
            slowHost.client.invoke('d', envelope as InvokeEnvelope, 50).then(unwrapReply),
            (e: unknown) => e instanceof TimeoutError,
          );
        }
        assert.equal(
          await slowHost.invoke('d', 'inc', 1),
          5,
          'a later call runs (and sees the counts the hung calls wrote)',
        );
        assert.equal((await slowHost.host.swapOut('d')).status, 'swapped', 'the swap-out does not wait on them');
        assert.equal((await slowHost.invoke<{ count: number }>('d', 'describe')).count, 5);
      } finally {
        await slowHost.close();
      }
    });

    it('keeps the process active and its last snapshot intact when the store fails', async () => {
      let failing = false;
      const flaky = (dir: string): SwapStore => {
        const fs = new FsSwapStore(dir);
        return {
          put: (k, d) => (failing ? Promise.reject(new Error('disk full')) : fs.put(k, d)),
          get: (k) => fs.get(k),
          list: (p) => fs.list(p),
          delete: (k) => fs.delete(k),
          describe: () => 'flaky',
        };
      };
      const f = await startTestHost({ store: flaky });
      try {
        await f.host.create('p', 'Worker');
        await f.invoke('p', 'inc', 1);
        await f.host.swapOut('p');
        await f.invoke('p', 'inc', 1);
        failing = true;
        await assert.rejects(
          f.host.swapOut('p'),
          (e: unknown) => e instanceof SwapFailedError && /disk full/.test(e.message),
        );
        assert.equal(f.host.local('p')?.status, 'active');
        assert.equal(await f.invoke('p', 'inc', 1), 3, 'still serving with its live state');
        failing = false;
        assert.equal((await f.host.swapOut('p')).generation, 2);
        assert.equal(await f.invoke('p', 'inc', 0), 3);
      } finally {
        await f.close();
      }
    });

    it('fails a swap-out with an error naming a field that cannot be encoded', async () => {
      await t.invoke('w1', 'breakField');
      await assert.rejects(t.host.swapOut('w1'), (e: unknown) => {
        assert.ok(e instanceof SwapFailedError);
        assert.match(e.message, /field Worker\.received\[0\]: a function/);
        return true;
      });
      assert.equal(t.host.local('w1')?.status, 'active');
    });

    it('deletes a process with its snapshots', async () => {
      await t.host.swapOut('w1');
      assert.ok((await t.host.snapshots.latestManifest('test', 'w1')) !== undefined);
      await t.host.delete('w1');
      assert.equal(await t.host.snapshots.latestManifest('test', 'w1'), undefined);
      assert.equal(await t.registry.getProcess('test', 'w1'), undefined);
      await assert.rejects(t.invoke('w1', 'inc', 1), ProcessNotFoundError);
    });
  });

  it('reports encode errors for arguments at the sender', async () => {
    await assert.rejects(
      t.client.invoke('w1', { t: 'inv', id: 'x', from: 'c', fn: 'inc', data: new Uint8Array([0x92]) }).then((r) => {
        if (!r.ok) throw new Error(r.error.message);
      }),
      /cannot decode argument of 'inc'/,
    );
    const { encode } = await import('@praas/framework/internal');
    assert.throws(() => encode({ f: Worker.prototype.inc }, "argument of 'inc'"), EncodeError);
  });
});
