import assert from 'node:assert/strict';
import { DataPlaneClient, decode, encode, newId, PraasError, unwrapReply } from '@praas/framework/internal';
import { FAST_FAILURE_ENV, FAULTY_FIXTURE_MODULE, HostControl, natsHostsForSuite, type HostProcess } from '../../src';

const CALLERS = 4;
const CALLS_EACH = 60;

/**
 * Chaos: a host SIGKILLed under traffic (issue 15). Four callers append numbered entries to a
 * `durability: 'call'` process over NATS; its host is killed while they run, and they go on, each
 * retrying a call that failed retryably (HOST_FAILED, TIMEOUT, UNAVAILABLE). Counted: every
 * acknowledged entry is in the state afterwards (none lost), each caller's entries keep its order,
 * a duplicate only where a call failed after it may have run, and the surviving host serves.
 */
describe('chaos: host SIGKILL under traffic', function () {
  this.timeout(180_000);
  const app = `chaos-kill-${Date.now().toString(36)}`;
  const suite = natsHostsForSuite('chaos-kill', {
    app,
    modulePath: FAULTY_FIXTURE_MODULE,
    env: { ...FAST_FAILURE_ENV, PRAAS_DATA_PLANE: 'nats' },
  });
  const hosts = suite.hosts;

  it('loses no acknowledged call, keeps each caller’s order, and the survivor serves', async () => {
    for (const id of ['victim', 'survivor']) {
      await suite.spawnHost(id);
    }
    const [victim, survivor] = hosts as [HostProcess, HostProcess];
    await new HostControl(suite.transport, app).create(victim.id, 'journal', 'Durable');
    const client = new DataPlaneClient(suite.transport, suite.registry, app);
    const call = async <R>(fn: string, data: unknown): Promise<R> => {
      const envelope = { t: 'inv' as const, id: newId(), from: 'client:chaos', fn, data: encode(data) };
      const bytes = unwrapReply(await client.invoke('journal', envelope, 20_000));
      return (bytes === undefined ? undefined : decode(bytes)) as R;
    };
    const acknowledged: number[] = [];
    /** Entries whose call failed retryably: they may have run before the failure. */
    const uncertain = new Set<number>();
    const failures = new Map<string, number>();
    let sent = 0;
    const callers = Array.from({ length: CALLERS }, async (_, caller) => {
      for (let i = 0; i < CALLS_EACH; i++) {
        const n = caller * 1_000 + i;
        for (;;) {
          sent++;
          try {
            await call('append', n);
            acknowledged.push(n);
            break;
          } catch (e) {
            if (!(e instanceof PraasError) || !e.retryable) throw e;
            failures.set(e.code, (failures.get(e.code) ?? 0) + 1);
            uncertain.add(n);
          }
        }
      }
    });
    while (acknowledged.length < (CALLERS * CALLS_EACH) / 4) await new Promise((r) => setTimeout(r, 10));
    await victim.kill();
    await Promise.all(callers);

    const kept = await call<number[]>('read', null);
    const lost = acknowledged.filter((n) => !kept.includes(n));
    const counts = new Map<number, number>();
    for (const n of kept) counts.set(n, (counts.get(n) ?? 0) + 1);
    const duplicates = [...counts].filter(([, c]) => c > 1).map(([n]) => n);
    console.log(
      `    chaos host-kill: ${sent} calls sent, ${acknowledged.length} acknowledged, ${kept.length} entries kept, ` +
        `${lost.length} lost, ${duplicates.length} duplicated, failures ${JSON.stringify(Object.fromEntries(failures))}`,
    );
    assert.deepEqual(lost, [], 'acknowledged calls lost');
    assert.equal(acknowledged.length, CALLERS * CALLS_EACH);
    assert.deepEqual(
      duplicates.filter((n) => !uncertain.has(n)),
      [],
      'only a call that failed after it may have run appears twice',
    );
    for (let caller = 0; caller < CALLERS; caller++) {
      const own = kept.filter((n) => Math.floor(n / 1_000) === caller);
      assert.deepEqual(
        own,
        [...own].sort((a, b) => a - b),
        `order of caller ${caller}`,
      );
    }
    assert.ok(survivor.alive(), 'the survivor runs');
    assert.equal((await suite.registry.getProcess(app, 'journal'))?.host, survivor.id);
  });
});
