import assert from 'node:assert/strict';
import { ANY, Fn, MemoryLogger, Process, State, type Context } from '@praas/framework/internal';
import { S3SwapStore, SnapshotRepository, type S3SwapStoreOptions } from '@praas/runtime';
import { freshBucket, freshStore, removeStore, startS3, startTcpProxy, type S3Service, type TcpProxy } from '../src';
import { interceptPuts } from './support/slow-store';
import { TwoHosts } from './support/two-hosts';

/** A class instance with behaviour: it must come back with its prototype. */
class Model {
  weights: number[] = [];
  bias = 0;
  predict(x: number[]): number {
    return x.reduce((sum, v, i) => sum + v * (this.weights[i] ?? 0), this.bias);
  }
}

interface Summary {
  epoch: number;
  modelIsModel: boolean;
  prediction: number;
  startedAt: number;
  startedIsDate: boolean;
  seen: [string, number][];
  seenIsMap: boolean;
  weightsType: string;
  weightsSum: number;
  weightsLength: number;
  config: unknown;
}

@Process({ name: 'Trainer', maxConcurrency: 4 })
class Trainer {
  @State() epoch = 0;
  @State(() => Model) model = new Model();
  @State() startedAt = new Date(0);
  @State() seen = new Map<string, number>();
  @State() weights = new Float64Array(0);

  @Fn()
  setup(size: number, ctx: Context): number {
    this.model.weights = [1, 2, 3];
    this.model.bias = 0.5;
    this.startedAt = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
    this.seen.set('alpha', 1).set('beta', 2);
    this.weights = new Float64Array(size).map((_, i) => i * 0.5);
    ctx.state.set('config', { lr: 0.01, tags: ['a', 'b'] });
    return this.weights.length;
  }

  @Fn()
  step(by: number): number {
    return (this.epoch += by);
  }

  @Fn()
  summary(_: unknown, ctx: Context): Summary {
    return {
      epoch: this.epoch,
      modelIsModel: this.model instanceof Model,
      prediction: this.model.predict([1, 1, 1]),
      startedAt: this.startedAt.getTime(),
      startedIsDate: this.startedAt instanceof Date,
      seen: [...this.seen],
      seenIsMap: this.seen instanceof Map,
      weightsType: this.weights.constructor.name,
      weightsSum: this.weights.reduce((a, b) => a + b, 0),
      weightsLength: this.weights.length,
      config: ctx.state.get('config'),
    };
  }

  @Fn()
  async take(key: string, ctx: Context): Promise<unknown> {
    return (await ctx.recv(ANY, key, { timeoutMs: 2_000 })).data;
  }

  @Fn()
  breakModel(): void {
    (this.model as unknown as { onStep: () => void }).onStep = () => undefined;
  }

  @Fn()
  fixModel(): void {
    delete (this.model as unknown as { onStep?: unknown }).onStep;
  }
}

@Process({ name: 'Counter', checkpointEveryMs: 40 })
class Counter {
  @State() n = 0;
  @State() samples = new Uint8Array(0);

  @Fn()
  add(by: number): number {
    this.samples = Uint8Array.from([...this.samples, by]);
    return (this.n += by);
  }

  @Fn()
  get(): { n: number; samples: number[] } {
    return { n: this.n, samples: [...this.samples] };
  }
}

const expectedSummary = (epoch: number, size: number): Summary => ({
  epoch,
  modelIsModel: true,
  prediction: 6.5,
  startedAt: Date.UTC(2024, 0, 2, 3, 4, 5),
  startedIsDate: true,
  seen: [
    ['alpha', 1],
    ['beta', 2],
  ],
  seenIsMap: true,
  weightsType: 'Float64Array',
  weightsSum: (size * (size - 1)) / 4,
  weightsLength: size,
  config: { lr: 0.01, tags: ['a', 'b'] },
});

/** Polls `check` until it holds; a test fails by mocha's timeout if it never does. */
async function eventually(check: () => Promise<boolean>, intervalMs = 20): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, intervalMs));
}

describe('swapping through S3', function () {
  this.timeout(120_000);
  let s3: S3Service;
  let store: S3SwapStore;
  let hosts: TwoHosts | undefined;
  before(async () => {
    s3 = await startS3();
  });
  after(async () => {
    await s3?.stop();
  });
  beforeEach(() => {
    store = freshStore(s3, 'swap');
  });
  afterEach(async () => {
    await hosts?.stop();
    hosts = undefined;
    await removeStore(s3, store);
  });

  describe('swap-in on another host', () => {
    it('restores fields, class instances, Dates, Maps, typed arrays, keyed state and unread messages', async () => {
      // Small chunks so that the 1 MiB array spans several chunks.
      hosts = new TwoHosts('apps', [Trainer], store, { snapshots: { chunkBytes: 256 * 1024 } });
      await hosts.start();
      await hosts.a.create('t1', 'Trainer');
      const size = 128 * 1024; // 1 MiB of Float64
      assert.equal(await hosts.call('t1', 'setup', size), size);
      await hosts.call('t1', 'step', 3);
      await hosts.send('t1', 'grad', { part: 1 });
      await hosts.send('t1', 'grad', { part: 2 });

      const out = await hosts.a.swapOut('t1');
      assert.equal(out.status, 'swapped');
      assert.equal(hosts.a.local('t1'), undefined);
      // Delivered while swapped out: waits in the backup queue, drained at swap-in.
      await hosts.send('t1', 'grad', { part: 3 });

      const info = await hosts.b.activate('t1');
      assert.equal(info.status, 'active');
      assert.equal(info.host, 'host-b');
      assert.equal((await hosts.registry.getProcess('apps', 't1'))?.host, 'host-b');
      assert.deepEqual(await hosts.call('t1', 'summary'), expectedSummary(3, size));
      assert.deepEqual(await hosts.call('t1', 'take', 'grad'), { part: 1 });
      assert.deepEqual(await hosts.call('t1', 'take', 'grad'), { part: 2 });
      assert.deepEqual(await hosts.call('t1', 'take', 'grad'), { part: 3 });
      // And back again: the state keeps travelling.
      await hosts.call('t1', 'step', 1);
      await hosts.b.swapOut('t1');
      await hosts.a.activate('t1');
      assert.deepEqual(await hosts.call('t1', 'summary'), expectedSummary(4, size));
      // Only the newest generation stays in the bucket, once the clean-up after the commit is done.
      await hosts.a.snapshots.idle();
      await hosts.b.snapshots.idle();
      const generations = new Set((await store.list('apps/t1/')).map((k) => k.split('/')[2]));
      assert.equal(generations.size, 1);
    });
  });

  describe('faults', () => {
    let proxy: TcpProxy | undefined;
    let proxied: S3SwapStore | undefined;
    /** A store reaching the bucket of `store` through a fresh proxy (`proxy`, which a test can cut). */
    const storeThroughProxy = async (options: Partial<S3SwapStoreOptions> = {}): Promise<S3SwapStore> => {
      const url = new URL(s3.endpoint);
      proxy = await startTcpProxy(url.hostname, Number(url.port));
      proxied = new S3SwapStore({
        endpoint: `http://127.0.0.1:${proxy.port}`,
        accessKey: s3.accessKey,
        secretKey: s3.secretKey,
        bucket: store.bucket,
        requestTimeoutMs: 10_000,
        ...options,
      });
      return proxied;
    };
    afterEach(async () => {
      proxied?.close();
      proxied = undefined;
      await proxy?.stop();
      proxy = undefined;
    });

    it('keeps the process active and serving when the endpoint goes down during swap-out, and never reads the partial snapshot', async () => {
      const through = await storeThroughProxy({ requestTimeoutMs: 5_000 });
      const cutAt = proxy!;
      let cuts = 0;
      // The endpoint disappears once the first chunk of generation 2 is stored: a partial upload.
      const faulty = interceptPuts(through, async (key) => {
        if (key.includes('/000000000002/chunk-0001') && cuts++ === 0) await cutAt.cut();
      });
      hosts = new TwoHosts('apps', [Trainer], faulty, {
        snapshots: { chunkBytes: 64 * 1024, concurrency: 1 },
        storeOfB: store,
      });
      await hosts.start();
      await hosts.a.create('t2', 'Trainer');
      await hosts.call('t2', 'setup', 64 * 1024);
      await hosts.call('t2', 'step', 1);
      await hosts.a.swapOut('t2'); // generation 1, epoch 1
      await hosts.a.activate('t2');
      await hosts.call('t2', 'step', 10); // epoch 11, only in memory

      await assert.rejects(hosts.a.swapOut('t2'), (e: Error & { code?: string }) => {
        assert.equal(e.name, 'SwapFailedError');
        assert.equal(e.code, 'SWAP_FAILED');
        assert.match(e.message, /swap-out of 't2' failed, the process stays active: S3 endpoint .* is unreachable/);
        return true;
      });
      assert.equal(hosts.a.local('t2')?.status, 'active');
      assert.equal((await hosts.registry.getProcess('apps', 't2'))?.status, 'active');
      assert.equal(await hosts.call('t2', 'step', 1), 12, 'the process keeps serving, with its state');

      // Part of generation 2 reached the bucket, but without a manifest nothing of it is read back.
      const keys = await store.list('apps/t2/');
      assert.ok(
        keys.some((k) => k.startsWith('apps/t2/000000000002/chunk-')),
        `expected a partial upload: ${keys.join(', ')}`,
      );
      assert.ok(!keys.includes('apps/t2/000000000002/manifest'));
      const repo = new SnapshotRepository(store);
      assert.equal((await repo.latestManifest('apps', 't2'))?.generation, 1);

      await cutAt.restore();
      await hosts.a.swapOut('t2');
      await hosts.b.activate('t2');
      assert.equal((await hosts.call<Summary>('t2', 'summary')).epoch, 12);
    });

    it('does not start a process on half a state when a chunk is missing or corrupt', async () => {
      hosts = new TwoHosts('apps', [Trainer], store, { snapshots: { chunkBytes: 64 * 1024 } });
      await hosts.start();
      await hosts.a.create('t3', 'Trainer');
      await hosts.call('t3', 'setup', 32 * 1024); // 256 KiB: several chunks
      await hosts.a.swapOut('t3');
      const chunk1 = 'apps/t3/000000000001/chunk-0001';
      const original = (await store.get(chunk1))!;
      const corrupt = Buffer.from(original);
      corrupt[100] = corrupt[100]! ^ 0xff;
      await store.put(chunk1, corrupt);

      await assert.rejects(hosts.b.activate('t3'), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'SNAPSHOT_CORRUPT');
        assert.match(e.message, /'apps\/t3\/000000000001\/chunk-0001' does not match its checksum/);
        return true;
      });
      assert.equal(hosts.b.local('t3'), undefined);
      assert.equal((await hosts.registry.getProcess('apps', 't3'))?.status, 'swapped');

      await store.delete([chunk1]);
      await assert.rejects(hosts.b.activate('t3'), /'apps\/t3\/000000000001\/chunk-0001' is missing/);
      assert.equal((await hosts.registry.getProcess('apps', 't3'))?.status, 'swapped');

      await store.put(chunk1, original);
      await hosts.b.activate('t3');
      assert.deepEqual(await hosts.call('t3', 'summary'), expectedSummary(0, 32 * 1024));
    });

    /** A store reaching the bucket of `store` through a fresh proxy, retrying quickly; its retries are logged to `retried`. */
    const retryingThroughProxy = (retried: MemoryLogger, attempts = 5): Promise<S3SwapStore> =>
      storeThroughProxy({ retry: { attempts, baseDelayMs: 20 }, logger: retried });
    /** The messages of the retries logged to `retried`. */
    const retries = (retried: MemoryLogger): string[] => retried.at('warn').map((r) => r.msg);

    it('retries chunks whose connection is reset during swap-out and swap-in, and the swap succeeds', async () => {
      const retried = new MemoryLogger();
      const through = await retryingThroughProxy(retried);
      const cutter = proxy!;
      hosts = new TwoHosts('apps', [Trainer], through, { snapshots: { chunkBytes: 64 * 1024 } });
      await hosts.start();
      await hosts.a.create('t5', 'Trainer');
      const size = 64 * 1024; // 512 KiB of Float64: eight chunks
      await hosts.call('t5', 'setup', size);
      await hosts.call('t5', 'step', 7);
      // Fresh connections from here on, and the first three break after 4 KiB of their request:
      // uploads of chunks that fail half-way (ECONNRESET, or EPIPE while writing).
      await cutter.cut();
      await cutter.restore();
      cutter.resetNext(3, { afterBytes: 4096 });
      assert.equal((await hosts.a.swapOut('t5')).status, 'swapped');
      assert.equal(cutter.resets, 3);
      // The swap-in's first two connections are reset before an answer.
      await cutter.cut();
      await cutter.restore();
      cutter.resetNext(2);
      assert.equal((await hosts.b.activate('t5')).host, 'host-b');
      assert.equal(cutter.resets, 5);
      assert.deepEqual(await hosts.call('t5', 'summary'), expectedSummary(7, size));
      assert.ok(
        retries(retried).some((line) => /failed \((ECONNRESET|EPIPE)\) at attempt 1 of 5; retrying/.test(line)),
        retries(retried).join('\n'),
      );
    });

    it('retries requests the server answers with 503 SlowDown or a bare 500, and the swap-in succeeds', async () => {
      const retried = new MemoryLogger();
      const through = await retryingThroughProxy(retried);
      hosts = new TwoHosts('apps', [Trainer], through, { snapshots: { chunkBytes: 64 * 1024 } });
      await hosts.start();
      await hosts.a.create('t7', 'Trainer');
      await hosts.call('t7', 'step', 3);
      await hosts.a.swapOut('t7');
      const http = (status: string, body: string, type: string): string =>
        `HTTP/1.1 ${status}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
      const slowDown = http(
        '503 Slow Down',
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
        'application/xml',
      );
      // Fresh connections: the first answers SlowDown, the second a 500 without an S3 error code.
      await proxy!.cut();
      await proxy!.restore();
      proxy!.answerNext(1, slowDown);
      assert.equal((await hosts.b.activate('t7')).host, 'host-b');
      assert.equal((await hosts.call<Summary>('t7', 'summary')).epoch, 3);
      await hosts.b.swapOut('t7');
      await proxy!.cut();
      await proxy!.restore();
      proxy!.answerNext(1, http('500 Internal Server Error', 'something broke', 'text/plain'));
      assert.equal((await hosts.a.activate('t7')).host, 'host-a');
      assert.equal((await hosts.call<Summary>('t7', 'summary')).epoch, 3);
      assert.ok(
        // The minio client keeps the status of a 5xx answer but drops its body, S3 code included.
        retries(retried).some((line) => line.includes('failed (HTTP 503)')),
        retries(retried).join('\n'),
      );
      assert.ok(
        retries(retried).some((line) => line.includes('failed (HTTP 500)')),
        retries(retried).join('\n'),
      );
    });

    it('fails an invocation that needs a swap-in with an UnavailableError naming the endpoint when S3 is down', async () => {
      const retried = new MemoryLogger();
      const through = await retryingThroughProxy(retried, 3);
      hosts = new TwoHosts('apps', [Trainer], through, { snapshots: { chunkBytes: 64 * 1024 } });
      await hosts.start();
      await hosts.a.create('t6', 'Trainer');
      await hosts.call('t6', 'step', 5);
      await hosts.a.swapOut('t6');
      await proxy!.cut();
      // The caller learns why from the host that tried, instead of waiting out its timeout (20 s
      // in TwoHosts.call) for a TimeoutError that names nothing.
      await assert.rejects(hosts.call('t6', 'summary'), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'UNAVAILABLE', e.message);
        assert.ok(
          e.message.includes(`S3 endpoint http://127.0.0.1:${proxy!.port} (bucket '${store.bucket}')`),
          e.message,
        );
        assert.match(e.message, /ECONNREFUSED \(3 attempts\)/);
        return true;
      });
      const [gaveUp] = retried.at('error', 'giving up');
      assert.equal(gaveUp?.['endpoint'], `http://127.0.0.1:${proxy!.port}`, 'the give-up is logged with the endpoint');
      assert.equal((await hosts.registry.getProcess('apps', 't6'))?.status, 'swapped');
      await proxy!.restore();
      assert.equal((await hosts.call<Summary>('t6', 'summary')).epoch, 5);
    });

    it('names the state field that cannot be encoded, and stays active', async () => {
      hosts = new TwoHosts('apps', [Trainer], store);
      await hosts.start();
      await hosts.a.create('t4', 'Trainer');
      await hosts.call('t4', 'breakModel');
      await assert.rejects(hosts.a.swapOut('t4'), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'SWAP_FAILED');
        assert.match(e.message, /cannot encode field Trainer\.model\.onStep: a function/);
        return true;
      });
      assert.equal(hosts.a.local('t4')?.status, 'active');
      assert.equal(await store.get('apps/t4/000000000001/manifest'), undefined);
      await hosts.call('t4', 'fixModel');
      await hosts.a.swapOut('t4');
      assert.equal((await hosts.registry.getProcess('apps', 't4'))?.status, 'swapped');
    });
  });

  describe('checkpoints', () => {
    it('writes checkpoints while active, and another host restores the last one after a crash', async () => {
      hosts = new TwoHosts('apps', [Counter], store);
      await hosts.start();
      await hosts.a.create('c1', 'Counter');
      await hosts.call('c1', 'add', 5);
      await hosts.call('c1', 'add', 7);
      const repo = new SnapshotRepository(store);
      await eventually(async () => (await repo.latestGeneration('apps', 'c1')) >= 1);
      // Still active on host a: a checkpoint does not deactivate.
      assert.equal(hosts.a.local('c1')?.status, 'active');
      assert.deepEqual(await hosts.call('c1', 'get'), { n: 12, samples: [5, 7] });
      const generation = await repo.latestGeneration('apps', 'c1');
      // After the read above, nothing changes any more; wait for a checkpoint that includes it, if any.
      await eventually(async () => {
        const manifest = await repo.latestManifest('apps', 'c1');
        return manifest !== undefined && manifest.generation >= generation;
      });

      // Host a dies without swapping out.
      await hosts.a.stop({ swapOut: false });
      await hosts.b.activate('c1');
      assert.deepEqual(await hosts.call('c1', 'get'), { n: 12, samples: [5, 7] });
    });

    it('skips checkpoints while nothing changes', async () => {
      hosts = new TwoHosts('apps', [Counter], store);
      await hosts.start();
      await hosts.a.create('c2', 'Counter');
      await hosts.call('c2', 'add', 1);
      const repo = new SnapshotRepository(store);
      await eventually(async () => (await repo.latestGeneration('apps', 'c2')) >= 1);
      const before = await repo.latestGeneration('apps', 'c2');
      // Ten intervals without traffic.
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(await repo.latestGeneration('apps', 'c2'), before);
      await hosts.call('c2', 'add', 1);
      await eventually(async () => (await repo.latestGeneration('apps', 'c2')) > before);
    });

    it('never overlaps a checkpoint with a swap-out', async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const held = interceptPuts(store, async (key) => {
        if (key.startsWith('apps/c3/000000000001/')) await gate;
      });
      hosts = new TwoHosts('apps', [Counter], held, { storeOfB: store });
      await hosts.start();
      await hosts.a.create('c3', 'Counter');
      await hosts.call('c3', 'add', 2);
      const controller = hosts.a.local('c3')!;
      const checkpoint = controller.checkpoint();
      await hosts.call('c3', 'add', 3); // after the checkpoint's cut, before the swap-out
      const swap = hosts.a.swapOut('c3');
      release();
      assert.equal(await checkpoint, 1);
      const out = await swap;
      assert.equal(out.generation, 2);
      await hosts.b.activate('c3');
      assert.deepEqual(await hosts.call('c3', 'get'), { n: 5, samples: [2, 3] });
    });
  });

  it('uses the bucket the store names', () => {
    assert.match(freshBucket('x'), /^praas-x-[0-9a-f]{8}$/);
  });
});
