import assert from 'node:assert/strict';
import { backupStreamName } from '@praas/framework/internal';
import type { NatsKvRegistry, NatsTransport } from '@praas/framework/nats';
import type { ControlPlane } from '@praas/gateway';
import { MAILBOX_FIXTURE_MODULE, startStack, type HostControl, type SendManyArgs, type Stack } from '../src';

const HOST_A = 'host-a';
const HOST_B = 'host-b';

// Every test runs on both data planes between the hosts (DESIGN §5a).
for (const dataPlane of ['direct', 'nats'] as const) {
  // Unique per run: a server given by PRAAS_NATS_URL keeps the registry of earlier runs.
  const APP = `e2e-${dataPlane}-${Date.now().toString(36)}`;

  describe(`runtime hosts as OS processes on one nats-server, ${dataPlane} data plane`, function () {
    let stack: Stack;
    let transport: NatsTransport;
    let registry: NatsKvRegistry;
    let control: HostControl;
    let plane: ControlPlane;

    before(async function () {
      stack = await startStack({
        name: `multi-host-${dataPlane}`,
        swapDir: true,
        hosts: [HOST_A, HOST_B].map((hostId) => ({
          app: APP,
          hostId,
          modulePath: MAILBOX_FIXTURE_MODULE,
          env: { PRAAS_DATA_PLANE: dataPlane },
        })),
        controlApp: APP,
        killHosts: true,
      });
      ({ transport, registry, plane, control } = stack.side);
      await plane.createApp(APP);
    });

    after(async function () {
      await stack?.stop();
    });

    it('advertises the data plane in the host records', async function () {
      const records = await registry.listHosts(APP);
      assert.equal(records.length, 2);
      for (const r of records) {
        if (dataPlane === 'direct') assert.match(r.dataAddress ?? '', /^127\.0\.0\.1:\d+$/, r.id);
        else assert.equal(r.dataAddress, undefined, r.id);
      }
    });

    it('lets processes on different hosts invoke each other with the same API as local ones', async function () {
      await control.create(HOST_A, 'caller', 'Sender');
      await control.create(HOST_A, 'neighbour', 'Sender');
      await control.create(HOST_B, 'callee', 'Receiver');
      const payload = { n: 42, when: new Date(0), bytes: new Uint8Array([1, 2, 3]), map: new Map([['k', 1]]) };
      const remote = await plane.invoke(APP, 'ask', { to: 'callee', fn: 'echo', data: payload }, { pid: 'caller' });
      const local = await plane.invoke(APP, 'ask', { to: 'neighbour', fn: 'echo', data: payload }, { pid: 'caller' });
      assert.deepEqual(remote, payload);
      assert.deepEqual(local, payload);
      assert.equal(await plane.invoke(APP, 'ask', { to: 'caller', fn: 'whoami' }, { pid: 'callee' }), 'caller');
      await assert.rejects(plane.invoke(APP, 'ask', { to: 'callee', fn: 'nosuch' }, { pid: 'caller' }), (e: Error) =>
        /no function 'nosuch'/.test(e.message),
      );
      assert.deepEqual((await control.describe(HOST_B)).map((p) => p.pid).sort(), ['callee']);
    });

    it('sends and receives messages between processes on different hosts', async function () {
      await control.create(HOST_A, 'pinger', 'Sender');
      await control.create(HOST_B, 'ponger', 'Receiver');
      const payload = new Uint8Array(1024).fill(7);
      const [pings, pongs] = await Promise.all([
        plane.invoke(APP, 'pingPong', { peer: 'ponger', rounds: 50, payload }, { pid: 'pinger' }),
        plane.invoke(APP, 'pong', 50, { pid: 'ponger' }),
      ]);
      assert.deepEqual([pings, pongs], [50, 50]);
    });

    it('delivers 10,000 messages from two senders exactly once and in order while the receiver swaps 20+ times', async function () {
      this.timeout(600_000);
      const rounds = 25;
      const perRound = 200;
      await control.create(HOST_A, 'src1', 'Sender');
      await control.create(HOST_A, 'src2', 'Sender');
      await control.create(HOST_B, 'sink', 'Receiver');
      let swaps = 0;
      for (let round = 0; round < rounds; round++) {
        const block = (): SendManyArgs => ({ to: 'sink', key: 'seq', first: round * perRound + 1, count: perRound });
        // The swap-out starts first, so the round's first messages meet a swapping or swapped receiver.
        let swapping = control.swap(HOST_B, 'sink');
        let sending = true;
        const senders = Promise.all([
          plane.invoke(APP, 'sendMany', block(), { pid: 'src1', timeoutMs: 120_000 }),
          plane.invoke(APP, 'sendMany', block(), { pid: 'src2', timeoutMs: 120_000 }),
        ]).finally(() => (sending = false));
        // Swap the receiver out and in while the senders send: at least once per round, more while they still send.
        for (;;) {
          const swapped = await swapping;
          assert.equal(swapped.status, 'swapped');
          swaps++;
          await control.activate(HOST_B, 'sink');
          await plane.invoke(APP, 'take', 'seq', { pid: 'sink' });
          if (!sending) break;
          swapping = control.swap(HOST_B, 'sink');
        }
        assert.deepEqual(await senders, [perRound, perRound]);
      }
      assert.ok(swaps >= 20, `swapped only ${swaps} times`);
      // Everything accepted is in the mailbox or in the backup queue (drained at swap-in): take the rest.
      await control.swap(HOST_B, 'sink');
      await control.activate(HOST_B, 'sink');
      const total = rounds * perRound * 2;
      let count = 0;
      for (let i = 0; i < 100 && count < total; i++) {
        count = await plane.invoke<number>(APP, 'take', 'seq', { pid: 'sink' });
        if (count < total) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const log = await plane.invoke<[string, number][]>(APP, 'log', undefined, { pid: 'sink' });
      const expected = Array.from({ length: rounds * perRound }, (_, i) => i + 1);
      for (const sender of ['src1', 'src2']) {
        const got = log.filter(([from]) => from === sender).map(([, n]) => n);
        assert.equal(got.length, expected.length, `${sender}: ${got.length} messages`);
        assert.deepEqual(got, expected, `${sender}: messages lost, duplicated or out of order`);
      }
      assert.equal(log.length, total);
      const record = await registry.getProcess(APP, 'sink');
      assert.deepEqual([record?.status, record?.host], ['active', HOST_B]);
      // The swaps really sent traffic through the backup queue (not only through the live subscription).
      const jsm = await transport.connection.jetstreamManager();
      const stream = await jsm.streams.info(backupStreamName(APP));
      assert.ok(stream.state.last_seq > 0, 'no message went through the backup queue');
    });

    it('swaps a process in on exactly one host when activations race on both', async function () {
      await control.create(HOST_A, 'racer', 'Receiver');
      await plane.invoke(APP, 'take', 'seq', { pid: 'racer' });
      for (let attempt = 0; attempt < 5; attempt++) {
        await control.swap(HOST_A, 'racer');
        const results = await Promise.allSettled([
          control.activate(HOST_A, 'racer'),
          control.activate(HOST_B, 'racer'),
          plane.invoke(APP, 'whoami', undefined, { pid: 'racer' }),
          plane.invoke(APP, 'whoami', undefined, { pid: 'racer' }),
        ]);
        assert.deepEqual(
          results.map((r) => r.status),
          ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'],
        );
        const holders = [
          ...(await control.describe(HOST_A)).filter((p) => p.pid === 'racer').map(() => HOST_A),
          ...(await control.describe(HOST_B)).filter((p) => p.pid === 'racer').map(() => HOST_B),
        ];
        assert.equal(holders.length, 1, `held by ${holders.join(', ')}`);
        const record = await registry.getProcess(APP, 'racer');
        assert.deepEqual([record?.status, record?.host], ['active', holders[0]]);
        if (holders[0] !== HOST_A) {
          await control.swap(HOST_B, 'racer');
          await control.activate(HOST_A, 'racer');
        }
      }
    });

    it('stops a host on SIGTERM: its processes are swapped out and it exits 0', async function () {
      const b = stack.hosts.find((h) => h.id === HOST_B)!;
      const code = await b.stop();
      assert.equal(code, 0, b.output());
      const sink = await registry.getProcess(APP, 'sink');
      assert.equal(sink?.status, 'swapped');
      // Swapped state survives the host: the next invocation swaps it in on the remaining host.
      const log = await plane.invoke<[string, number][]>(APP, 'log', undefined, { pid: 'sink' });
      assert.equal(log.length, 10_000);
      assert.equal((await registry.getProcess(APP, 'sink'))?.host, HOST_A);
    });
  });
}
