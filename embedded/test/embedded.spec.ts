import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import 'reflect-metadata';
import {
  AlreadyExistsError,
  ANY,
  ApplicationNotFoundError,
  DecoratorUsageError,
  Fn,
  InvalidArgumentError,
  InvalidNameError,
  MemoryRegistry,
  Process,
  ProcessClassNotFoundError,
  ProcessNotFoundError,
  State,
  type Context,
} from '@praas/framework/internal';
import { createEmbedded, type EmbeddedPraas } from '../src';

@Process()
class Account {
  @State() balance = 0;
  @Fn() deposit(amount: number): number {
    return (this.balance += amount);
  }
  @Fn() async inbox(n: number, ctx: Context): Promise<unknown[]> {
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.push((await ctx.recv(ANY, 'note', { timeoutMs: 2_000 })).data);
    return out;
  }
}

@Process()
class Auditor {
  @Fn() check(): string {
    return 'ok';
  }
}

describe('embedded mode (control plane + runtime host in one process)', () => {
  let praas: EmbeddedPraas;
  beforeEach(async () => {
    praas = await createEmbedded({ processes: [Account, Auditor] });
    await praas.createApp('bank');
  });
  afterEach(async () => praas.close());

  it('manages applications', async () => {
    assert.deepEqual((await praas.getApp('bank')).processClasses, ['Account', 'Auditor']);
    await praas.createApp('other', { processClasses: ['Auditor'] });
    assert.deepEqual((await praas.listApps()).map((a) => a.name).sort(), ['bank', 'other']);
    await assert.rejects(praas.createApp('bank'), AlreadyExistsError);
    await assert.rejects(praas.createApp('bad name'), InvalidNameError);
    await assert.rejects(praas.getApp('missing'), ApplicationNotFoundError);
    await praas.deleteApp('other');
    await assert.rejects(praas.getApp('other'), ApplicationNotFoundError);
  });

  it('creates processes, lists them with status and answers with the data-plane address', async () => {
    const a = await praas.createProcess('bank', { processClass: 'Account', pid: 'acct-1' });
    assert.equal(a.address, 'praas.bank.p.acct-1');
    assert.equal(a.status, 'active');
    const b = await praas.createProcess('bank', { processClass: 'Auditor' });
    assert.match(b.pid, /^auditor-[0-9a-f]{16}$/);
    await praas.swapProcess('bank', 'acct-1');
    const statuses = Object.fromEntries((await praas.listProcesses('bank')).map((p) => [p.pid, p.status]));
    assert.deepEqual(statuses, { 'acct-1': 'swapped', [b.pid]: 'active' });
  });

  it('explains what is wrong with a create request', async () => {
    await assert.rejects(praas.createProcess('bank'), (e: unknown) => {
      assert.ok(e instanceof InvalidArgumentError);
      assert.match(e.message, /has 2 process classes; say which one: Account, Auditor/);
      return true;
    });
    await assert.rejects(praas.createProcess('bank', { processClass: 'Nope' }), ProcessClassNotFoundError);
    await assert.rejects(praas.createProcess('nope', { processClass: 'Account' }), ApplicationNotFoundError);
    await assert.rejects(praas.createProcess('bank', { processClass: 'Account', pid: 'a.b' }), InvalidNameError);
    await praas.createProcess('bank', { processClass: 'Account', pid: 'dup' });
    await assert.rejects(praas.createProcess('bank', { processClass: 'Account', pid: 'dup' }), AlreadyExistsError);
  });

  it('creates a process from its swapped state when the pid names one', async () => {
    await praas.createProcess('bank', { processClass: 'Account', pid: 'acct' });
    await praas.invoke('bank', 'deposit', 40, { pid: 'acct' });
    await praas.swapProcess('bank', 'acct');
    const back = await praas.createProcess('bank', { pid: 'acct' });
    assert.equal(back.status, 'active');
    assert.equal(back.generation, 1);
    assert.equal(await praas.invoke('bank', 'deposit', 2, { pid: 'acct' }), 42);
  });

  it('invokes FaaS-style: without a pid it picks an existing process or creates one', async () => {
    const only = await createEmbedded({ processes: [Account] });
    try {
      await only.createApp('solo');
      assert.equal(await only.invoke('solo', 'deposit', 5), 5);
      assert.equal(await only.invoke('solo', 'deposit', 5), 10, 'the same process is reused');
      assert.equal((await only.listProcesses('solo')).length, 1);
    } finally {
      await only.close();
    }
  });

  it('sends messages from outside the application, in order', async () => {
    await praas.createProcess('bank', { processClass: 'Account', pid: 'acct' });
    for (const n of [1, 2, 3]) await praas.send('bank', 'acct', 'note', n);
    assert.deepEqual(await praas.invoke('bank', 'inbox', 3, { pid: 'acct' }), [1, 2, 3]);
  });

  it('deletes processes and applications', async () => {
    await praas.createProcess('bank', { processClass: 'Account', pid: 'gone' });
    await praas.deleteProcess('bank', 'gone');
    await assert.rejects(praas.getProcess('bank', 'gone'), ProcessNotFoundError);
    await assert.rejects(praas.invoke('bank', 'deposit', 1, { pid: 'gone' }), ProcessNotFoundError);
    await assert.rejects(praas.deleteProcess('bank', 'gone'), ProcessNotFoundError);
  });

  it('keeps state in the named swap directory across a restart of the stack', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'praas-embedded-'));
    try {
      const first = await createEmbedded({ processes: [Account], swapDir: dir });
      await first.createApp('persist');
      await first.createProcess('persist', { pid: 'acct' });
      await first.invoke('persist', 'deposit', 7, { pid: 'acct' });
      await first.close();
      const manifests = await import('@praas/runtime').then(async ({ FsSwapStore, SnapshotRepository }) =>
        new SnapshotRepository(new FsSwapStore(dir)).latestManifest('persist', 'acct'),
      );
      assert.equal(manifests?.generation, 1, 'close swapped the process out to the directory');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe('reopened on the same swap directory and registry', () => {
    let dir: string;
    let registry: MemoryRegistry;
    const open = (): Promise<EmbeddedPraas> =>
      createEmbedded({ processes: [Account], swapDir: dir, registry, downScaling: false });
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'praas-reopen-'));
      registry = new MemoryRegistry();
    });
    afterEach(async () => {
      await registry.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('answers the first invocation of a process that was swapped out and in before', async () => {
      const first = await open();
      await first.createApp('persist');
      await first.createProcess('persist', { pid: 'acct' });
      await first.invoke('persist', 'deposit', 1, { pid: 'acct' });
      await first.swapProcess('persist', 'acct');
      assert.equal(await first.invoke('persist', 'deposit', 2, { pid: 'acct' }), 3, 'swapped back in');
      await first.close();
      const second = await open();
      try {
        assert.equal(await second.invoke('persist', 'deposit', 4, { pid: 'acct', timeoutMs: 5_000 }), 7);
        assert.equal(await second.invoke('persist', 'deposit', 8, { pid: 'acct', timeoutMs: 5_000 }), 15);
      } finally {
        await second.close();
      }
    });

    it('refuses a registry of an earlier stack without its swap directory', async () => {
      const first = await open();
      await first.createApp('persist');
      await first.close();
      await assert.rejects(createEmbedded({ processes: [Account], registry }), (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentError);
        assert.match(e.message, /knows applications of an earlier stack \(persist\); give that stack's swapDir/);
        return true;
      });
    });

    it('keeps the messages that waited for a swapped-out process', async () => {
      const first = await open();
      await first.createApp('persist');
      await first.createProcess('persist', { pid: 'acct' });
      await first.swapProcess('persist', 'acct');
      for (const n of [1, 2, 3]) await first.send('persist', 'acct', 'note', n);
      await first.close();
      const second = await open();
      try {
        assert.deepEqual(await second.invoke('persist', 'inbox', 3, { pid: 'acct', timeoutMs: 5_000 }), [1, 2, 3]);
      } finally {
        await second.close();
      }
    });
  });

  it('refuses a class without @Process at start-up', async () => {
    class Plain {}
    await assert.rejects(createEmbedded({ processes: [Plain] }), DecoratorUsageError);
  });
});

@Process({ idleTimeoutMs: 30 })
class Sleepy {
  @State() n = 0;
  @Fn() bump(): number {
    return ++this.n;
  }
}

describe('embedded mode: down-scaling', () => {
  it('swaps an idle process out and brings it back on the next invocation', async () => {
    const praas = await createEmbedded({ processes: [Sleepy], downScaling: { intervalMs: 20 } });
    try {
      await praas.createApp('idle');
      const { pid } = await praas.createProcess('idle');
      assert.equal(await praas.invoke('idle', 'bump', null, { pid }), 1);
      const end = Date.now() + 10_000;
      while ((await praas.getProcess('idle', pid)).status !== 'swapped') {
        assert.ok(Date.now() < end, 'the idle process was never swapped out');
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(await praas.invoke('idle', 'bump', null, { pid }), 2, 'state survived the idle swap');
    } finally {
      await praas.close();
    }
  });
});
