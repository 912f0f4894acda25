import assert from 'node:assert/strict';
import { InvalidArgumentError, NoRespondersError, PraasError, TimeoutError } from '../errors';
import type { Transport } from '../transport/transport';
import { instancesPerTest, uniqueNames, until, type ContractInstances } from './contract-support';

/** How the transport contract gets the transports it tests. */
export interface TransportContractOptions extends ContractInstances<Transport> {
  /** Creates a fresh transport; a second call gives a second client of the same system. */
  create(): Promise<Transport>;
  /** Called after each test with every transport created during it. */
  dispose?(transports: Transport[]): Promise<void>;
}

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
/** A fresh application name per test, so tests never see each other's queues. */
const appName = uniqueNames('contract');

/**
 * The behaviour every Transport must have (DESIGN §5). Runs unchanged against the in-memory and
 * the NATS implementation, so the two cannot drift.
 */
export function transportContract(name: string, options: TransportContractOptions): void {
  describe(`Transport contract: ${name}`, function () {
    const make = instancesPerTest(options);

    it('answers a request with the handler reply, across two clients', async () => {
      const server = await make();
      const client = await make();
      await server.serve('praas.c.echo', (d) => Promise.resolve(bytes(`echo:${text(d)}`)));
      const reply = await client.request('praas.c.echo', bytes('hi'), { timeoutMs: 2_000 });
      assert.equal(text(reply), 'echo:hi');
    });

    it('keeps binary payloads exact, up to 512 KiB', async () => {
      const t = await make();
      await t.serve('praas.c.bin', (d) => Promise.resolve(d));
      const payload = new Uint8Array(512 * 1024).map((_, i) => (i * 31) % 256);
      const reply = await t.request('praas.c.bin', payload, { timeoutMs: 5_000 });
      assert.deepEqual(Buffer.from(reply), Buffer.from(payload));
    });

    it('fails a request nobody serves with NoRespondersError', async () => {
      const t = await make();
      await assert.rejects(t.request('praas.c.nobody', bytes('x'), { timeoutMs: 2_000 }), NoRespondersError);
    });

    it('fails a request that gets no reply in time with TimeoutError', async () => {
      const t = await make();
      await t.serve('praas.c.slow', () => new Promise((r) => setTimeout(() => r(bytes('late')), 1_000)));
      await assert.rejects(t.request('praas.c.slow', bytes('x'), { timeoutMs: 100 }), TimeoutError);
    });

    it('fails a request whose handler throws with that error, at once', async () => {
      const server = await make();
      const client = await make();
      await server.serve('praas.c.broken', () => Promise.reject(new InvalidArgumentError('bad input', { field: 'x' })));
      await assert.rejects(
        client.request('praas.c.broken', bytes('x'), { timeoutMs: 10_000 }),
        (e: unknown) =>
          e instanceof PraasError &&
          e.code === 'INVALID_ARGUMENT' &&
          e.message === 'bad input' &&
          e.details['field'] === 'x',
      );
    });

    it('stops serving after unsubscribe', async () => {
      const t = await make();
      const sub = await t.serve('praas.c.gone', (d) => Promise.resolve(d));
      await sub.unsubscribe();
      await assert.rejects(t.request('praas.c.gone', bytes('x'), { timeoutMs: 2_000 }), NoRespondersError);
    });

    it('hands each request of a queue group to exactly one member', async () => {
      const a = await make();
      const b = await make();
      const seen: string[] = [];
      await a.serve('praas.c.q', (d) => (seen.push(`a${text(d)}`), Promise.resolve(bytes('a'))), { queue: 'g' });
      await b.serve('praas.c.q', (d) => (seen.push(`b${text(d)}`), Promise.resolve(bytes('b'))), { queue: 'g' });
      for (let i = 0; i < 20; i++) await a.request('praas.c.q', bytes(String(i)), { timeoutMs: 2_000 });
      assert.equal(seen.length, 20);
      assert.deepEqual(new Set(seen.map((s) => s.slice(1))).size, 20);
    });

    it('delivers a publish to the server of the subject, and drops it silently when there is none', async () => {
      const t = await make();
      const got: string[] = [];
      await t.publish('praas.c.nobody-pub', bytes('lost'));
      await t.serve('praas.c.pub', (d) => (got.push(text(d)), Promise.resolve(new Uint8Array())));
      await t.publish('praas.c.pub', bytes('one'));
      await until(() => got.length === 1, 'the published message');
      assert.deepEqual(got, ['one']);
    });

    describe('backup queue', function () {
      it('keeps appended entries in order with increasing sequence numbers', async () => {
        const t = await make();
        const app = appName();
        for (let i = 0; i < 10; i++) await t.backup.append(app, 'p1', `id-${i}`, bytes(`m${i}`));
        const entries = await t.backup.read(app, 'p1', 0, 100);
        assert.deepEqual(
          entries.map((e) => text(e.data)),
          Array.from({ length: 10 }, (_, i) => `m${i}`),
        );
        for (let i = 1; i < entries.length; i++) assert.ok(entries[i]!.seq > entries[i - 1]!.seq);
      });

      it('drops an append whose id was seen before (a retried send lands once)', async () => {
        const t = await make();
        const app = appName();
        await t.backup.append(app, 'p1', 'same', bytes('first'));
        await t.backup.append(app, 'p1', 'same', bytes('retry'));
        await t.backup.append(app, 'p1', 'other', bytes('second'));
        const entries = await t.backup.read(app, 'p1', 0, 100);
        assert.deepEqual(
          entries.map((e) => text(e.data)),
          ['first', 'second'],
        );
      });

      it('reads after a sequence number, at most max entries', async () => {
        const t = await make();
        const app = appName();
        for (let i = 0; i < 6; i++) await t.backup.append(app, 'p1', `id-${i}`, bytes(`m${i}`));
        const all = await t.backup.read(app, 'p1', 0, 100);
        const page = await t.backup.read(app, 'p1', all[1]!.seq, 3);
        assert.deepEqual(
          page.map((e) => text(e.data)),
          ['m2', 'm3', 'm4'],
        );
      });

      it('keeps the queues of different processes apart', async () => {
        const t = await make();
        const app = appName();
        await t.backup.append(app, 'p1', 'a', bytes('for-p1'));
        await t.backup.append(app, 'p2', 'b', bytes('for-p2'));
        assert.deepEqual(
          (await t.backup.read(app, 'p1', 0, 10)).map((e) => text(e.data)),
          ['for-p1'],
        );
        assert.deepEqual(
          (await t.backup.read(app, 'p2', 0, 10)).map((e) => text(e.data)),
          ['for-p2'],
        );
      });

      it('trims entries up to a sequence number and purges a whole queue', async () => {
        const t = await make();
        const app = appName();
        for (let i = 0; i < 4; i++) await t.backup.append(app, 'p1', `id-${i}`, bytes(`m${i}`));
        const all = await t.backup.read(app, 'p1', 0, 10);
        await t.backup.trim(app, 'p1', all[1]!.seq);
        assert.deepEqual(
          (await t.backup.read(app, 'p1', 0, 10)).map((e) => text(e.data)),
          ['m2', 'm3'],
        );
        await t.backup.purge(app, 'p1');
        assert.deepEqual(await t.backup.read(app, 'p1', 0, 10), []);
      });

      it('is visible to another client, and tells a watcher about each append', async () => {
        const writer = await make();
        const reader = await make();
        const app = appName();
        let calls = 0;
        const sub = await reader.backup.watch(app, 'p1', () => calls++);
        await writer.backup.append(app, 'p1', 'x', bytes('hello'));
        await until(() => calls >= 1, 'the watcher');
        assert.deepEqual(
          (await reader.backup.read(app, 'p1', 0, 10)).map((e) => text(e.data)),
          ['hello'],
        );
        await sub.unsubscribe();
        const before = calls;
        await writer.backup.append(app, 'p1', 'y', bytes('again'));
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(calls, before);
      });
    });
  });
}
