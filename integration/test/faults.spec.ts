import assert from 'node:assert/strict';
import { PayloadTooLargeError, TimeoutError } from '@praas/framework/internal';
import { NatsKvRegistry, NatsTransport } from '@praas/framework/nats';
import type { ControlPlane } from '@praas/gateway';
import { FsSwapStore, RuntimeHost } from '@praas/runtime';
import { HostControl, MAILBOX_FIXTURE_MODULE, Receiver, Sender, startStack, type Stack } from '../src';

// Unique per run: a server given by PRAAS_NATS_URL keeps the registry of earlier runs.
const APP = `faults-${Date.now().toString(36)}`;

/** One nats-server of our own (it gets restarted), an in-process host, and a client control plane. */
describe('faults on NATS', function () {
  let stack: Stack;
  let hostTransport: NatsTransport;
  let hostRegistry: NatsKvRegistry;
  let host: RuntimeHost;
  let transport: NatsTransport;
  let registry: NatsKvRegistry;
  let plane: ControlPlane;
  let control: HostControl;

  before(async function () {
    stack = await startStack({ name: 'faults', swapDir: true, controlApp: APP, killHosts: true });
    ({ transport, registry, plane, control } = stack.side);
    hostTransport = await NatsTransport.connect({ servers: stack.nats.url, name: 'faults-host' });
    hostRegistry = await NatsKvRegistry.open(hostTransport.connection);
    host = new RuntimeHost({
      app: APP,
      hostId: 'steady',
      processes: [Sender, Receiver],
      transport: hostTransport,
      registry: hostRegistry,
      store: new FsSwapStore(stack.swapDir),
    });
    await host.start();
    await plane.createApp(APP);
  });

  after(async function () {
    await host?.stop({ swapOut: false });
    for (const c of [hostRegistry, hostTransport]) await c?.close();
    await stack?.stop();
  });

  it('fails a payload over max_payload at once with PayloadTooLargeError naming the limit', async function () {
    const limit = transport.maxPayload;
    assert.ok(Number.isFinite(limit) && limit > 0);
    const tooLarge = new Uint8Array(limit + 1);
    const namesLimit = (e: unknown): boolean =>
      e instanceof PayloadTooLargeError && e.message.includes(String(limit)) && e.details['limit'] === limit;
    await assert.rejects(transport.request('praas.faults.big', tooLarge, { timeoutMs: 60_000 }), namesLimit);
    await assert.rejects(transport.publish('praas.faults.big', tooLarge), namesLimit);
    await assert.rejects(transport.backup.append(APP, 'big', 'id-1', tooLarge), namesLimit);
    await control.create('steady', 'bulky', 'Receiver');
    // An argument over the limit, and a result over the limit (reported by the serving side).
    await assert.rejects(plane.invoke(APP, 'echo', tooLarge, { pid: 'bulky', timeoutMs: 60_000 }), namesLimit);
    await assert.rejects(plane.invoke(APP, 'blob', limit + 1, { pid: 'bulky', timeoutMs: 60_000 }), namesLimit);
    assert.equal(await plane.invoke(APP, 'echo', 'still fine', { pid: 'bulky' }), 'still fine');
  });

  it('fails an invocation with a TimeoutError naming the process when its only host was killed', async function () {
    // An application of its own with a single host: after the kill no host is left to take over.
    const soloApp = `${APP}-solo`;
    const doomed = await stack.spawnHost({ app: soloApp, hostId: 'doomed', modulePath: MAILBOX_FIXTURE_MODULE });
    try {
      // The control plane answers only for applications it knows.
      await plane.createApp(soloApp);
      await new HostControl(transport, soloApp).create('doomed', 'victim', 'Receiver');
      assert.equal(await plane.invoke(soloApp, 'echo', 1, { pid: 'victim' }), 1);
      await doomed.kill();
      // Nobody serves 'victim' and no host of its application answers activation requests: the
      // invocation waits in the backup queue for a host until the caller's deadline, then the caller
      // gets a TimeoutError, never a hang.
      await assert.rejects(
        plane.invoke(soloApp, 'echo', 2, { pid: 'victim', timeoutMs: 1_500 }),
        (e: unknown) => e instanceof TimeoutError && e.message.includes("'victim'"),
      );
    } finally {
      await doomed.kill();
    }
  });

  it('takes a killed host’s process over on a live host at the next invocation', async function () {
    const doomed = await stack.spawnHost({ app: APP, hostId: 'doomed-2', modulePath: MAILBOX_FIXTURE_MODULE });
    try {
      await control.create('doomed-2', 'orphan', 'Receiver');
      assert.equal(await plane.invoke(APP, 'echo', 1, { pid: 'orphan' }), 1);
      await doomed.kill();
      // No snapshot was ever committed, so it comes back as new, on the surviving host.
      assert.equal(await plane.invoke(APP, 'echo', 2, { pid: 'orphan', timeoutMs: 20_000 }), 2);
      assert.equal((await registry.getProcess(APP, 'orphan'))?.host, 'steady');
    } finally {
      await doomed.kill();
    }
  });

  it('reconnects after a nats-server restart during traffic and loses no accepted message', async function () {
    if (!stack.nats.restartable) {
      console.warn(
        `    skipped: the NATS server at ${stack.nats.url} (${stack.nats.kind}) cannot be restarted by the test`,
      );
      this.skip();
    }
    this.timeout(180_000);
    await control.create('steady', 'sink', 'Receiver');
    const accepted: number[] = [];
    let failed = 0;
    let restarted: Promise<void> | undefined;
    let acceptedAfterRestart = 0;
    for (let i = 1; i <= 600; i++) {
      if (i === 201) await control.swap('steady', 'sink'); // From here on the messages wait in the backup queue.
      if (i === 301) restarted = stack.nats.restart();
      try {
        await plane.send(APP, 'sink', 'seq', i);
        accepted.push(i);
        if (restarted && i > 301) acceptedAfterRestart++;
      } catch {
        failed++; // Not reported accepted: it may or may not arrive, but at most once.
      }
      if (i === 450) await restarted;
    }
    await restarted;
    assert.ok(acceptedAfterRestart > 0, 'no send was accepted after the restart');
    await control.activate('steady', 'sink');
    let taken = 0;
    for (let attempt = 0; attempt < 100 && taken < accepted.length; attempt++) {
      taken = await plane.invoke<number>(APP, 'take', 'seq', { pid: 'sink' });
      if (taken < accepted.length) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const log = await plane.invoke<[string, number][]>(APP, 'log', undefined, { pid: 'sink' });
    const received = log.map(([, n]) => n);
    assert.equal(new Set(received).size, received.length, 'a message arrived twice');
    const missing = accepted.filter((n) => !received.includes(n));
    assert.deepEqual(missing, [], `accepted but lost (${failed} sends failed)`);
    assert.deepEqual(
      received,
      [...received].sort((a, b) => a - b),
      'messages of one sender out of order',
    );
  });
});
