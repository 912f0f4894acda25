import assert from 'node:assert/strict';
import { PraasError, TimeoutError } from '@praas/framework/internal';
import { until } from '../support/cli';
import {
  CHAOS_FIXTURE_MODULE,
  freePort,
  freshBucket,
  openControlSide,
  s3Environment,
  spawnHost,
  startNats,
  startS3rver,
  startTcpProxy,
  Traffic,
  assertDelivered,
  type ControlSide,
  type HostProcess,
  type NatsService,
  type S3Service,
  type TcpProxy,
} from '../../src';

const APP = `chaos-${Date.now().toString(36)}`;

/**
 * Chaos: one stack under steady traffic while its dependencies and its users' code fail in turn
 * (issue 15): nats-server restarted, the direct data-plane connection cut, the S3 endpoint stopped
 * during a swap-out and during a swap-in, user code that crashes and that hangs. Two runtime hosts
 * run as OS processes on the direct data plane, swapping to S3 (s3rver behind a TCP proxy the test
 * closes); `src` on host-a invokes and messages `sink` on host-b (reached through a proxy too).
 * Counted over the whole run: every acknowledged invocation and message delivered once, in each
 * caller's order; both hosts up. The figures are printed for the README.
 */
describe('chaos: faults one after another under traffic', function () {
  this.timeout(300_000);
  let nats: NatsService;
  let s3: S3Service;
  let s3Proxy: TcpProxy;
  let dataProxy: TcpProxy;
  let side: ControlSide;
  const hosts: HostProcess[] = [];

  before(async function () {
    nats = await startNats({ ownServer: true });
    s3 = await startS3rver();
    s3Proxy = await startTcpProxy('127.0.0.1', Number(new URL(s3.endpoint).port));
    const viaProxy = { ...s3, endpoint: `http://127.0.0.1:${s3Proxy.port}` };
    const env = { ...s3Environment(viaProxy, freshBucket('chaos')), PRAAS_HEARTBEAT_MS: '250' };
    const dataPortB = await freePort();
    dataProxy = await startTcpProxy('127.0.0.1', dataPortB);
    const spawn = (hostId: string, more: Record<string, string> = {}): Promise<HostProcess> =>
      spawnHost({ natsUrl: nats.url, app: APP, hostId, modulePath: CHAOS_FIXTURE_MODULE, env: { ...env, ...more } });
    hosts.push(await spawn('host-a'));
    hosts.push(
      await spawn('host-b', {
        PRAAS_DATA_PORT: String(dataPortB),
        PRAAS_ADVERTISE_ADDR: `127.0.0.1:${dataProxy.port}`,
        PRAAS_DATA_BIND: '127.0.0.1',
      }),
    );
    side = await openControlSide(nats.url, APP, 'chaos-faults');
    await side.plane.createApp(APP);
  });

  afterEach(async function () {
    // A test that failed half-way (say by an unhandled rejection) leaves no callers running into the teardown.
    for (const e of await Traffic.stopAll()) console.log(`--- traffic ended by: ${String(e)}`);
    if (this.currentTest?.state === 'failed') for (const h of hosts) console.log(`--- ${h.id}\n${h.output()}`);
  });

  after(async function () {
    for (const h of hosts) await h.stop();
    await side?.close();
    await dataProxy?.stop();
    await s3Proxy?.stop();
    await s3?.stop();
    await nats?.stop();
  });

  const assertUp = (): void => {
    for (const h of hosts) {
      assert.ok(h.alive(), `${h.id} exited:\n${h.output()}`);
      // The last-resort handlers' words: user code's faults are contained and logged otherwise.
      assert.doesNotMatch(
        h.output(),
        /a bug: it should have been handled where it was raised/,
        `${h.id}:\n${h.output()}`,
      );
    }
  };

  it('delivers every acknowledged call and message once and in order, and every service stays up', async function () {
    const { plane, control } = side;
    await control.create('host-a', 'src', 'Sender');
    await control.create('host-b', 'sink', 'Receiver');
    await control.create('host-a', 'victim', 'Faulty');
    const invokes = new Traffic('chaos invokes');
    const sends = new Traffic('chaos sends');
    // Host to host over the direct data plane: src invokes sink (the outer call carries an
    // idempotency key, so a retry is answered once) and sends it messages.
    invokes.start(
      (v) =>
        plane.invoke(APP, 'ask', { to: 'sink', fn: 'record', data: v }, { pid: 'src', idempotencyKey: `ask-${v}` }),
      { callers: 2, retry: true },
    );
    sends.start((v) => plane.invoke(APP, 'sendMany', { to: 'sink', key: 'tick', first: v, count: 1 }, { pid: 'src' }), {
      callers: 2,
      retry: false,
    });
    const figures: string[] = [];
    /** Runs a fault, then waits until both traffics got `more` acknowledgements; records how long that took. */
    const fault = async (name: string, run: () => Promise<unknown>, more = 30): Promise<void> => {
      const started = Date.now();
      const outcome = await run().then(
        () => 'ok',
        (e: unknown) => {
          if (!(e instanceof PraasError)) throw e;
          return e.code;
        },
      );
      await Promise.all([invokes.untilAcknowledged(more), sends.untilAcknowledged(more)]);
      figures.push(`${name} (${outcome}): ${more} more of each acknowledged after ${Date.now() - started} ms`);
      console.log(`    ${figures[figures.length - 1]!}`);
      assertUp();
    };
    try {
      await Promise.all([invokes.untilAcknowledged(30), sends.untilAcknowledged(30)]);
      await fault('nats-server restart', () => nats.restart());
      await fault('direct connection cut', async () => {
        await dataProxy.cut();
        await Promise.all([invokes.untilAcknowledged(20), sends.untilAcknowledged(20)]);
        await dataProxy.restore();
      });
      await fault('S3 stopped during swap-out', async () => {
        await s3Proxy.cut();
        try {
          await control.swap('host-b', 'sink');
        } finally {
          await s3Proxy.restore();
        }
      });
      await fault('swap-out with S3 back', () => control.swap('host-b', 'sink'));
      await fault('S3 stopped during swap-in', async () => {
        // Set the stage without traffic, which would swap sink back in at once.
        await Promise.all([invokes.pause(), sends.pause()]);
        try {
          // A message or retried call still in flight when traffic paused may bring sink back at
          // once, on either host (the swap then answers 'active' and names that host): swap it
          // out where it is until it stays out.
          let holder = 'host-b';
          await until('sink swapped out with traffic paused', async () => {
            const info = await control.swap(holder, 'sink');
            if (info.status === 'swapped') return true;
            holder = info.host ?? holder;
            return undefined;
          });
          await s3Proxy.cut();
        } finally {
          invokes.resume();
          sends.resume();
        }
        // Invocations of sink need a swap-in now and fail fast with UNAVAILABLE (retried with their
        // key); messages wait in its backup queue. Then S3 comes back and the swap-in succeeds.
        try {
          await assert.rejects(control.activate('host-b', 'sink'), (e: unknown) => {
            assert.ok(e instanceof PraasError && e.code === 'UNAVAILABLE', String(e));
            assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${s3Proxy.port}`), 'the error names the endpoint');
            return true;
          });
          await sends.untilAcknowledged(10);
        } finally {
          await s3Proxy.restore();
        }
      });
      await fault('user code throws in a timer', () => plane.invoke(APP, 'crashLater', 'timer', { pid: 'victim' }));
      await fault('user code leaves a rejected promise', () =>
        plane.invoke(APP, 'crashLater', 'rejection', { pid: 'victim' }),
      );
      await fault('user code hangs past its timeout', async () => {
        for (let i = 0; i < 3; i++) {
          await assert.rejects(plane.invoke(APP, 'hang', null, { pid: 'victim', timeoutMs: 300 }), TimeoutError);
        }
        assert.equal(await plane.invoke(APP, 'add', 1, { pid: 'victim' }), 1, 'the hung process serves again');
      });
    } finally {
      await Promise.all([invokes.stop(), sends.stop()]);
    }
    await plane.invoke(APP, 'take', 'tick', { pid: 'sink' });
    const kept = await plane.invoke<[string, number][]>(APP, 'log', null, { pid: 'sink' });
    const invoked = invokes.check(kept.filter(([from]) => from === 'invoke').map(([, v]) => v));
    const messages = sends.check(kept.filter(([from]) => from !== 'invoke').map(([, v]) => v));
    console.log(`    ${invokes.summary(invoked)}\n    ${sends.summary(messages)}`);
    assertDelivered('invocations', invoked);
    assertDelivered('messages', messages);
    assertUp();
  });
});
