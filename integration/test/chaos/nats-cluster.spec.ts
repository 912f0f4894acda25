import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode, decodeEnvelope, PraasClient } from '@praas/framework/internal';
import { connectNats, NatsBackupQueue } from '@praas/framework/nats';
import {
  MAILBOX_FIXTURE_MODULE,
  spawnGateway,
  spawnHost,
  startNatsCluster,
  Traffic,
  assertDelivered,
  type GatewayProcess,
  type HostProcess,
  type NatsCluster,
} from '../../src';

const APP = `cluster-${Date.now().toString(36)}`;
const INBOXES = ['inbox-a', 'inbox-b'];

/**
 * Chaos: a three-node NATS cluster with JetStream replicas 3 (issue 15) under a gateway and two
 * runtime hosts as OS processes, all given every seed URL, with the data plane on NATS. Under
 * traffic (invocations retried with their idempotency key, and messages) one node is SIGKILLed,
 * traffic goes on through the others, the node comes back and catches up; then another node.
 * Counted: every acknowledged invocation and message delivered once, in each caller's order,
 * and the gateway and hosts stay up.
 */
describe('chaos: a NATS cluster node killed under traffic', function () {
  this.timeout(300_000);
  let cluster: NatsCluster;
  let swapDir: string;
  let gateway: GatewayProcess;
  const hosts: HostProcess[] = [];

  const assertUp = (): void => {
    for (const [name, p] of [['gateway', gateway], ...hosts.map((h) => [h.id, h] as const)] as const) {
      assert.ok(p.alive(), `${name} exited:\n${p.output()}`);
      assert.doesNotMatch(p.output(), /unhandled promise rejection|uncaught exception/, `${name}:\n${p.output()}`);
    }
  };

  before(async function () {
    cluster = await startNatsCluster();
    swapDir = mkdtempSync(join(tmpdir(), 'praas-cluster-swap-'));
    const env = { PRAAS_NATS_REPLICAS: '3', PRAAS_DATA_PLANE: 'nats' };
    for (const hostId of ['h1', 'h2']) {
      hosts.push(
        await spawnHost({ natsUrl: cluster.url, app: APP, hostId, modulePath: MAILBOX_FIXTURE_MODULE, swapDir, env }),
      );
    }
    gateway = await spawnGateway({ natsUrl: cluster.url, env });
  });

  afterEach(async function () {
    // A test that failed half-way (say by an unhandled rejection) leaves no callers running into the teardown.
    for (const e of await Traffic.stopAll()) console.log(`--- traffic ended by: ${String(e)}`);
    if (this.currentTest?.state !== 'failed') return;
    for (const p of [gateway, ...hosts])
      console.log(`--- ${p === gateway ? 'gateway' : (p as HostProcess).id}\n${p?.output()}`);
    for (const node of cluster.nodes) console.log(`--- nats ${node.name}\n${node.log()}`);
  });

  after(async function () {
    await gateway?.stop();
    for (const h of hosts) await h.stop();
    await cluster?.stop();
    if (swapDir) await rm(swapDir, { recursive: true, force: true });
  });

  /** Per host, how often it dropped a process another host took over while it was cut off (see Fencing). */
  const fenced = (): string =>
    hosts
      .map((h) => `${h.id} ${h.output().split('dropped a process that another host took over').length - 1}`)
      .join(', ');

  /**
   * Where values acknowledged and not taken are: still in an inbox's backup queue (with their
   * sender sequence and queue position), or nowhere; the path of a loss starts there.
   */
  const whereLost = async (lost: readonly number[]): Promise<string> => {
    const nc = await connectNats({ servers: [...cluster.urls], name: 'cluster-spec-diagnosis' });
    try {
      const queue = new NatsBackupQueue(nc);
      const queued = new Map<number, string>();
      for (const pid of INBOXES) {
        for (const entry of await queue.read(APP, pid, 0, 10_000)) {
          const envelope = decodeEnvelope(entry.data);
          if (envelope.t !== 'msg') continue;
          const value = decode<number>(envelope.data);
          queued.set(value, `queued for ${pid} at ${entry.seq} (from ${envelope.from} seq ${envelope.seq})`);
        }
      }
      const where = lost.map((v) => `${v}: ${queued.get(v) ?? 'not in a backup queue'}`);
      return `lost values: ${where.join('; ')}; ${queued.size} messages in the backup queues (taken or not)`;
    } finally {
      await nc.drain();
    }
  };

  it('loses and doubles no accepted call or message, keeps each caller’s order, and every service stays up', async function () {
    const client = new PraasClient({ url: gateway.httpUrl, token: gateway.token });
    await client.createApp(APP);
    for (const pid of INBOXES) await client.createProcess(APP, { processClass: 'Receiver', pid });
    // Each caller talks to one inbox, so the inboxes' logs one after the other keep every caller's order.
    const inbox = (value: number): string => INBOXES[Math.floor(value / 1_000_000) % INBOXES.length]!;
    const invokes = new Traffic('cluster invokes');
    const sends = new Traffic('cluster sends');
    invokes.start(
      (v) => client.invoke(APP, 'record', v, { pid: inbox(v), idempotencyKey: `call-${v}`, timeoutMs: 30_000 }),
      { callers: 3, retry: true },
    );
    sends.start((v) => client.send(APP, inbox(v), 'tick', v), { callers: 3, retry: false });
    const outages: string[] = [];
    try {
      await Promise.all([invokes.untilAcknowledged(50), sends.untilAcknowledged(50)]);
      for (const node of cluster.nodes.slice(0, 2)) {
        const killedAt = Date.now();
        await node.kill();
        // Traffic goes on through the other two nodes.
        await Promise.all([invokes.untilAcknowledged(100), sends.untilAcknowledged(100)]);
        const servedAfter = Date.now() - killedAt;
        assertUp();
        await node.start();
        await cluster.untilHealthy();
        const healthyAfter = Date.now() - killedAt;
        await Promise.all([invokes.untilAcknowledged(50), sends.untilAcknowledged(50)]);
        outages.push(`${node.name}: 100 more calls each ${servedAfter} ms after the kill, healthy ${healthyAfter} ms`);
      }
    } finally {
      await Promise.all([invokes.stop(), sends.stop()]);
    }
    const kept: [string, number][] = [];
    for (const pid of INBOXES) {
      await client.invoke(APP, 'take', 'tick', { pid });
      kept.push(...(await client.invoke<[string, number][]>(APP, 'log', null, { pid })));
    }
    const invoked = invokes.check(kept.filter(([from]) => from === 'invoke').map(([, v]) => v));
    const messages = sends.check(kept.filter(([from]) => from !== 'invoke').map(([, v]) => v));
    console.log(
      `    ${invokes.summary(invoked)}\n    ${sends.summary(messages)}\n    node kills: ${outages.join('; ')}\n` +
        `    processes dropped by fencing (work since their last snapshot is lost): ${fenced()}`,
    );
    if (messages.lost.length > 0 || invoked.lost.length > 0) console.log(`    ${await whereLost(messages.lost)}`);
    assertDelivered('invocations', invoked);
    assertDelivered('messages', messages);
    assertUp();
  });
});
