import assert from 'node:assert/strict';
import {
  backupStreamName,
  DirectTransport,
  PraasClient,
  RegistryRoutes,
  type RequestHandler,
  type RequestOptions,
  type ServeOptions,
  type Subscription,
  type Transport,
} from '@praas/framework/internal';
import { NatsKvRegistry, NatsTransport } from '@praas/framework/nats';
import { ControlPlane, RegisteredHostProvider } from '@praas/gateway';
import {
  freePort,
  MAILBOX_FIXTURE_MODULE,
  startStack,
  startTcpProxy,
  type HostControl,
  type Stack,
  type StackHostOptions,
  type StreamManyArgs,
  type TcpProxy,
} from '../src';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A transport that counts the requests it carries to process subjects: the NATS path of the data plane. */
class CountingTransport implements Transport {
  processRequests = 0;
  constructor(readonly inner: NatsTransport) {}
  get backup() {
    return this.inner.backup;
  }
  serve(subject: string, handler: RequestHandler, options?: ServeOptions): Promise<Subscription> {
    return this.inner.serve(subject, handler, options);
  }
  request(subject: string, data: Uint8Array, options: RequestOptions): Promise<Uint8Array> {
    if (subject.includes('.p.')) this.processRequests++;
    return this.inner.request(subject, data, options);
  }
  publish(subject: string, data: Uint8Array): Promise<void> {
    return this.inner.publish(subject, data);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * Calls `call` until one call leaves the NATS path's count unchanged (the route was learned in the
 * background after the first miss), then asserts that `n` more calls all go direct.
 */
async function assertDirect(counted: CountingTransport, call: () => Promise<unknown>, n: number): Promise<void> {
  for (let tries = 0; ; tries++) {
    const before = counted.processRequests;
    await call();
    if (counted.processRequests === before) break;
    assert.ok(tries < 50, 'the route to the process was never learned');
    await sleep(20);
  }
  const before = counted.processRequests;
  for (let i = 0; i < n; i++) await call();
  assert.equal(counted.processRequests, before, 'calls took the NATS path although the route was known');
}

describe('the direct data plane between OS processes (DESIGN §5a)', function () {
  this.timeout(300_000);
  // Unique per run: a server given by PRAAS_NATS_URL keeps the registry of earlier runs.
  const APP = `direct-${Date.now().toString(36)}`;
  let stack: Stack;
  let proxy: TcpProxy;
  let transport: NatsTransport;
  let registry: NatsKvRegistry;
  let control: HostControl;
  let plane: ControlPlane;

  before(async function () {
    // host-b is reached through a TCP proxy that a test can cut: it advertises the proxy's port.
    const dataPortB = await freePort();
    proxy = await startTcpProxy('127.0.0.1', dataPortB);
    const host = (hostId: string, env: Record<string, string> = {}): StackHostOptions => ({
      app: APP,
      hostId,
      modulePath: MAILBOX_FIXTURE_MODULE,
      env,
    });
    const hostB = {
      PRAAS_DATA_PORT: String(dataPortB),
      PRAAS_ADVERTISE_ADDR: `127.0.0.1:${proxy.port}`,
      PRAAS_DATA_BIND: '127.0.0.1',
    };
    stack = await startStack({
      name: 'direct-data-plane',
      swapDir: true,
      hosts: [host('host-a'), host('host-b', hostB), host('host-c')],
      controlApp: APP,
      killHosts: true,
    });
    ({ transport, registry, plane, control } = stack.side);
    await plane.createApp(APP);
  });

  after(async function () {
    await stack?.stop();
    await proxy?.stop();
  });

  it('lets a PraasClient with data-plane access invoke and send over the hosts’ data ports', async function () {
    await control.create('host-c', 'client-target', 'Receiver');
    const counted = new CountingTransport(transport);
    const client = new PraasClient({
      url: 'http://127.0.0.1:9',
      dataPlane: { transport: counted, registry, direct: true },
    });
    try {
      const payload = { n: 1, when: new Date(0), bytes: new Uint8Array([1, 2, 3]) };
      await assertDirect(counted, () => client.invoke(APP, 'echo', payload, { pid: 'client-target' }), 20);
      assert.deepEqual(await client.invoke(APP, 'echo', payload, { pid: 'client-target' }), payload);
      const before = counted.processRequests;
      for (let i = 0; i < 20; i++) await client.send(APP, 'client-target', 'seq', i);
      assert.equal(counted.processRequests, before, 'messages went direct');
      assert.equal(await client.invoke(APP, 'take', 'seq', { pid: 'client-target' }), 20);
      const log = await client.invoke<[string, number][]>(APP, 'log', undefined, { pid: 'client-target' });
      assert.deepEqual(
        log.map(([, n]) => n),
        Array.from({ length: 20 }, (_, i) => i),
      );
    } finally {
      await client.close();
    }
  });

  it("lets the gateway's invoke take the direct data plane", async function () {
    await control.create('host-c', 'gateway-target', 'Receiver');
    const counted = new CountingTransport(transport);
    const direct = new DirectTransport(counted, {
      from: 'gateway',
      routes: new RegistryRoutes(registry),
      ownsInner: false,
    });
    const gateway = new ControlPlane({ transport: direct, registry, provider: new RegisteredHostProvider(registry) });
    try {
      await assertDirect(counted, () => gateway.invoke(APP, 'whoami', undefined, { pid: 'gateway-target' }), 20);
      assert.equal(await gateway.invoke(APP, 'whoami', undefined, { pid: 'gateway-target' }), 'gateway-target');
    } finally {
      await direct.close();
    }
  });

  it('delivers 10,000 streamed messages from two senders exactly once and in order while the direct connection is cut and the receiver swaps', async function () {
    this.timeout(600_000);
    const rounds = 10;
    const perRound = 500;
    await control.create('host-a', 'src1', 'Sender');
    await control.create('host-a', 'src2', 'Sender');
    await control.create('host-b', 'sink', 'Receiver');
    const acceptedBefore = proxy.accepted;
    let cutsWhileSending = 0;
    let swaps = 0;
    for (let round = 0; round < rounds; round++) {
      const block = (): StreamManyArgs => ({ to: 'sink', key: 'seq', first: round * perRound + 1, count: perRound });
      let sending = true;
      const senders = Promise.all([
        plane.invoke(APP, 'streamMany', block(), { pid: 'src1', timeoutMs: 120_000 }),
        plane.invoke(APP, 'streamMany', block(), { pid: 'src2', timeoutMs: 120_000 }),
      ]).finally(() => (sending = false));
      // While the senders stream: cut the direct connection to the receiver's host, swap the
      // receiver out while it is cut, bring both back; at least once per round.
      do {
        await sleep(5 + (round % 4) * 5);
        await proxy.cut();
        if (sending) cutsWhileSending++;
        const swapped = await control.swap('host-b', 'sink');
        assert.equal(swapped.status, 'swapped');
        swaps++;
        await proxy.restore();
        await control.activate('host-b', 'sink');
        await plane.invoke(APP, 'take', 'seq', { pid: 'sink' });
      } while (sending);
      assert.deepEqual(await senders, [perRound, perRound]);
    }
    // Everything accepted is in the mailbox or the backup queue (drained at swap-in): take the rest.
    await control.swap('host-b', 'sink');
    await control.activate('host-b', 'sink');
    const total = rounds * perRound * 2;
    let count = 0;
    for (let i = 0; i < 100 && count < total; i++) {
      count = await plane.invoke<number>(APP, 'take', 'seq', { pid: 'sink' });
      if (count < total) await sleep(50);
    }
    const log = await plane.invoke<[string, number][]>(APP, 'log', undefined, { pid: 'sink' });
    const expected = Array.from({ length: rounds * perRound }, (_, i) => i + 1);
    for (const sender of ['src1', 'src2']) {
      const got = log.filter(([from]) => from === sender).map(([, n]) => n);
      assert.equal(got.length, expected.length, `${sender}: ${got.length} messages`);
      assert.deepEqual(got, expected, `${sender}: messages lost, duplicated or out of order`);
    }
    assert.equal(log.length, total);
    assert.ok(swaps >= rounds, `swapped only ${swaps} times`);
    assert.ok(cutsWhileSending >= rounds / 2, `only ${cutsWhileSending} cuts came while the senders streamed`);
    assert.ok(proxy.accepted - acceptedBefore >= 2, 'the senders’ host did not reconnect after a cut');
  });

  it('fails requests in flight to a host that dies over to the NATS path at once, not after their timeout', async function () {
    await control.create('host-a', 'streamer', 'Sender');
    await control.create('host-c', 'victim', 'Receiver');
    const count = 10_000;
    let streamed = false;
    const streaming = plane.invoke<number>(
      APP,
      'streamMany',
      { to: 'victim', key: 'seq', first: 1, count, window: 512 },
      { pid: 'streamer', timeoutMs: 120_000 },
    );
    void streaming.then(() => (streamed = true));
    // Mid-stream: the victim has taken messages live (they die with it), more are on their way.
    while ((await plane.invoke<number>(APP, 'take', 'seq', { pid: 'victim' })) === 0) await sleep(5);
    assert.equal(streamed, false, 'the stream ended before the host was killed; send more');
    const asking = plane.invoke(APP, 'ask', { to: 'victim', fn: 'whoami' }, { pid: 'streamer', timeoutMs: 120_000 });
    const victimHost = stack.hosts.find((h) => h.id === 'host-c')!;
    const jsm = await transport.connection.jetstreamManager();
    const queued = async (): Promise<number> => (await jsm.streams.info(backupStreamName(APP))).state.last_seq;
    const queuedBefore = await queued();
    const killedAt = Date.now();
    await victimHost.kill();
    // The sends in flight on the broken connection fall over to the NATS path: the first lands in
    // the backup queue long before a send's 10 s timeout could have passed.
    while ((await queued()) === queuedBefore) await sleep(5);
    const firstFallbackMs = Date.now() - killedAt;
    // Every send was accepted: live by the victim before it died, or queued for it afterwards.
    assert.equal(await streaming, count);
    const streamDoneMs = Date.now() - killedAt;
    assert.equal(await asking, 'victim');
    // The victim comes back on a live host from its last snapshot (none: it starts empty) and
    // takes what was queued; what the dead host had taken live is gone with it (DESIGN §6).
    await plane.invoke(APP, 'take', 'seq', { pid: 'victim' });
    const log = (await plane.invoke<[string, number][]>(APP, 'log', undefined, { pid: 'victim' })).map(([, n]) => n);
    assert.ok(log.length > 0 && log[log.length - 1] === count, 'the messages sent after the death arrived');
    assert.ok(log[0]! > 1, 'the messages taken before the death died with the host');
    for (let i = 1; i < log.length; i++) assert.ok(log[i]! > log[i - 1]!, `out of order or twice at ${i}: ${log[i]}`);
    console.log(
      `      (first send failed over ${firstFallbackMs} ms after the SIGKILL; the stream finished after ` +
        `${streamDoneMs} ms; ${log.length} messages reached the new incarnation)`,
    );
  });
});
