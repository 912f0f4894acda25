import assert from 'node:assert/strict';
import { DataPlaneClient, decode, encode, newId, unwrapReply } from '@praas/framework/internal';
import { NatsKvRegistry, NatsTransport } from '@praas/framework/nats';
import { FAST_FAILURE_ENV, HostControl, LEDGER_FIXTURE_MODULE, startStack, type HostProcess, type Stack } from '../src';

describe('host failure: SIGKILL, then recovery from the last checkpoint on S3 by another host', function () {
  let stack: Stack;
  let transport: NatsTransport;
  let registry: NatsKvRegistry;
  const app = `crash-${Date.now().toString(36)}`;

  before(async () => {
    stack = await startStack({ name: 'host-failure', s3: true, controlApp: app, killHosts: true });
    ({ transport, registry } = stack.side);
  });
  after(async () => {
    await stack?.stop();
  });

  it('brings the killed host’s process back on the other host with everything up to its last checkpoint', async () => {
    const spawnOne = (hostId: string): Promise<HostProcess> =>
      stack.spawnHost({ app, hostId, modulePath: LEDGER_FIXTURE_MODULE, env: FAST_FAILURE_ENV });
    const doomed = await spawnOne('doomed');
    await spawnOne('survivor');
    await new HostControl(transport, app).create('doomed', 'ledger-1', 'Ledger');
    const client = new DataPlaneClient(transport, registry, app);
    const call = async <R>(fn: string, data: unknown): Promise<R> => {
      const reply = await client.invoke(
        'ledger-1',
        { t: 'inv', id: newId(), from: 'client:test', fn, data: encode(data) },
        20_000,
      );
      const bytes = unwrapReply(reply);
      return (bytes === undefined ? undefined : decode(bytes)) as R;
    };
    for (const v of [1, 2, 3]) await call('append', v);

    // Checkpoints are written only after a change; once the generation stays put for five intervals,
    // the last one holds all three entries. Then kill the host hard.
    let generation = 0;
    let stableSince = Date.now();
    for (const end = Date.now() + 15_000; ;) {
      const g = (await registry.getProcess(app, 'ledger-1'))?.generation ?? 0;
      if (g !== generation) [generation, stableSince] = [g, Date.now()];
      if (generation > 0 && Date.now() - stableSince > 500) break;
      assert.ok(Date.now() < end, 'no checkpoint was committed');
      await new Promise((r) => setTimeout(r, 50));
    }
    await doomed.kill();
    // The next invocation finds no live process, activates it, and the survivor takes it over once
    // the dead host's heartbeat is stale.
    const state = await call<{ entries: number[]; opened: Date }>('read', null);
    assert.deepEqual(state.entries, [1, 2, 3]);
    assert.ok(state.opened instanceof Date);
    // The queued call is answered while the backlog drains, a moment before the record says active.
    for (const end = Date.now() + 10_000; (await registry.getProcess(app, 'ledger-1'))?.status !== 'active';) {
      assert.ok(Date.now() < end, 'the recovered process never became active');
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal((await registry.getProcess(app, 'ledger-1'))?.host, 'survivor');
    assert.equal(await call('append', 4), 4, 'the recovered process keeps serving');
  });
});
