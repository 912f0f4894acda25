import assert from 'node:assert/strict';
import {
  CodeLoadFailedError,
  InvalidArgumentError,
  MemoryLogger,
  MemoryRegistry,
  NoRespondersError,
  UnavailableError,
  type AppRecord,
  type HostRecord,
} from '@praas/framework/internal';
import { HostPlacement } from '../../src/placement/host-placement';
import { pickLeastLoaded } from '../../src/placement/least-loaded';
import type { HostProvider } from '../../src/provisioning/host-provider';
import { stubProvider } from '../support/stub-provider';

const app: AppRecord = { name: 'place', incarnation: 'i1', createdAt: 1, processClasses: ['Counter'] };

function host(id: string, extra: Partial<HostRecord> = {}): HostRecord {
  return { id, app: app.name, startedAt: 1, heartbeatAt: Date.now(), activeProcesses: 0, ...extra };
}

/** A provider that records how often it was asked for hosts, and adds `adds` when asked. */
function provider(registry: MemoryRegistry, adds: HostRecord[] = []): HostProvider & { asked: number } {
  return stubProvider(async () => {
    for (const h of adds) await registry.putHost(h);
  });
}

describe('pickLeastLoaded', function () {
  it('takes the live host with the fewest active processes, and none when every host is stale', function () {
    const now = 100_000;
    const hosts = [
      host('a', { heartbeatAt: now, activeProcesses: 3 }),
      host('b', { heartbeatAt: now - 500, activeProcesses: 1 }),
      host('c', { heartbeatAt: now - 20_000, activeProcesses: 0 }),
    ];
    assert.equal(pickLeastLoaded(hosts, now)?.id, 'b');
    assert.equal(pickLeastLoaded(hosts, now, 100)?.id, 'a', 'b is stale at 100 ms');
    assert.equal(pickLeastLoaded(hosts, now + 60_000), undefined);
  });
});

describe('HostPlacement', function () {
  let registry: MemoryRegistry;

  beforeEach(function () {
    registry = new MemoryRegistry();
  });
  afterEach(async function () {
    await registry.close();
  });

  it('counts requests in flight as load, and releases them once answered or failed', async function () {
    await registry.putHost(host('h1'));
    await registry.putHost(host('h2'));
    const placement = new HostPlacement({ registry, provider: provider(registry) });
    const answers: (() => void)[] = [];
    const chosen: string[] = [];
    const running = [0, 1, 2, 3].map((i) =>
      placement.onPlacedHost(app, { needsCode: true }, (h) => {
        chosen.push(h);
        return new Promise<string>((resolve, reject) =>
          answers.push(() => (i === 3 ? reject(new InvalidArgumentError('refused')) : resolve(h))),
        );
      }),
    );
    while (chosen.length < 4) await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual([...chosen].sort(), ['h1', 'h1', 'h2', 'h2']);
    assert.deepEqual([placement.inFlightTo('h1'), placement.inFlightTo('h2')], [2, 2]);
    answers.forEach((answer) => answer());
    const outcomes = await Promise.allSettled(running);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'fulfilled', 'fulfilled', 'rejected'],
      'an error other than "nobody serves it" is the request’s answer, not a reason to try another host',
    );
    assert.deepEqual([placement.inFlightTo('h1'), placement.inFlightTo('h2')], [0, 0]);
  });

  it('counts processes it added since a host’s heartbeat, from host records only, until the next heartbeat counts them', async function () {
    await registry.putHost(host('h1', { activeProcesses: 10, heartbeatAt: 1_000_000 }));
    await registry.putHost(host('h2', { activeProcesses: 12, heartbeatAt: 1_000_000 }));
    // O(hosts): a placement never reads the process records.
    registry.listProcesses = () => assert.fail('placement listed the processes');
    const placement = new HostPlacement({
      registry,
      provider: provider(registry),
      hostStaleMs: Number.MAX_SAFE_INTEGER,
      clock: () => 1_000_001,
    });
    const chosen: string[] = [];
    for (let i = 0; i < 6; i++)
      chosen.push(await placement.onPlacedHost(app, { needsCode: true, adds: true }, (h) => Promise.resolve(h)));
    assert.deepEqual(
      chosen,
      ['h1', 'h1', 'h1', 'h2', 'h1', 'h2'],
      'h1 at 10 catches up with h2 at 12, then they alternate',
    );
    assert.deepEqual([placement.placedOn('h1'), placement.placedOn('h2')], [4, 2]);
    // A deletion adds nothing.
    await placement.onPlacedHost(app, { needsCode: false }, (h) => Promise.resolve(h));
    assert.equal(placement.placedOn('h1') + placement.placedOn('h2'), 6);
    // h1's next heartbeat counts what was added to it (and one more, from elsewhere); h2's count since its old heartbeat stays.
    await registry.putHost(host('h1', { activeProcesses: 15, heartbeatAt: 1_000_002 }));
    assert.equal(await placement.onPlacedHost(app, { needsCode: true, adds: true }, (h) => Promise.resolve(h)), 'h2');
    assert.deepEqual([placement.placedOn('h1'), placement.placedOn('h2')], [0, 3]);
  });

  it('keeps counting a create its host answered after the heartbeat that reaches the registry next', async function () {
    // A heartbeat counts the host's processes when it is taken; it may reach the registry after a
    // create that host answered later. That create is not in the count, so the placement keeps it.
    let now = 2_000_000;
    await registry.putHost(host('h1', { heartbeatAt: now }));
    await registry.putHost(host('h2', { heartbeatAt: now }));
    const placement = new HostPlacement({
      registry,
      provider: provider(registry),
      hostStaleMs: Number.MAX_SAFE_INTEGER,
      clock: () => now,
    });
    const create = (): Promise<string> =>
      placement.onPlacedHost(app, { needsCode: true, adds: true }, (h) => Promise.resolve(h));
    now += 10;
    const first = await create();
    await registry.putHost(host(first, { heartbeatAt: now - 5, activeProcesses: 0 }));
    now += 10;
    assert.notEqual(await create(), first, 'the create the late heartbeat missed still counts');
    assert.equal(placement.placedOn(first), 1);
    // A heartbeat taken after the answer counts it: the placement lets it go.
    await registry.putHost(host(first, { heartbeatAt: now + 1, activeProcesses: 1 }));
    await create();
    assert.equal(placement.placedOn(first) + placement.placedOn(first === 'h1' ? 'h2' : 'h1'), 2);
  });

  it('passes over a host nobody serves, and starts with the host it is given', async function () {
    await registry.putHost(host('h1', { activeProcesses: 0 }));
    await registry.putHost(host('h2', { activeProcesses: 5 }));
    const logger = new MemoryLogger();
    const placement = new HostPlacement({ registry, provider: provider(registry), logger });
    const tried: string[] = [];
    const served = await placement.onPlacedHost(app, { needsCode: false, first: 'gone' }, (h) => {
      tried.push(h);
      if (h === 'gone' || h === 'h1') return Promise.reject(new NoRespondersError(`praas.place.h.${h}`));
      return Promise.resolve(h);
    });
    assert.equal(served, 'h2');
    assert.deepEqual(tried, ['gone', 'h1', 'h2']);
    assert.deepEqual(
      logger.at('warn', 'does not answer').map((r) => r['host']),
      ['gone', 'h1'],
    );
    assert.equal(placement.inFlightTo('gone') + placement.inFlightTo('h1') + placement.inFlightTo('h2'), 0);
  });

  it('asks the provider for a host when the application has none, and fails when it brings none', async function () {
    const none = provider(registry);
    await assert.rejects(
      new HostPlacement({ registry, provider: none }).onPlacedHost(app, { needsCode: true }, () => Promise.resolve()),
      (e: unknown) => e instanceof UnavailableError && /no runtime host serves application 'place'/.test(e.message),
    );
    assert.equal(none.asked, 1);
    const one = provider(registry, [host('h9')]);
    const placed = await new HostPlacement({ registry, provider: one }).onPlacedHost(app, { needsCode: true }, (h) =>
      Promise.resolve(h),
    );
    assert.deepEqual([placed, one.asked], ['h9', 1]);
  });

  it('with needsCode, passes over hosts that cannot load the code, and fails with the newest version’s reason', async function () {
    await registry.putHost(host('h1', { codeError: { version: 3, message: 'broken 3' } }));
    await registry.putHost(host('h2', { codeError: { version: 2, message: 'broken 2' } }));
    const asked = provider(registry);
    const placement = new HostPlacement({ registry, provider: asked });
    await assert.rejects(
      placement.onPlacedHost(app, { needsCode: true }, () => Promise.resolve()),
      (e: unknown) => e instanceof CodeLoadFailedError && e.details['host'] === 'h1' && /broken 3/.test(e.message),
    );
    assert.equal(asked.asked, 0, 'broken hosts exist: no new host is asked for');
    // Without needsCode (a deletion), any live host serves.
    assert.equal(
      await placement.onPlacedHost(app, { needsCode: false }, (h) => Promise.resolve(h)).then(Boolean),
      true,
    );
    await registry.putHost(host('h3'));
    assert.equal(await placement.onPlacedHost(app, { needsCode: true }, (h) => Promise.resolve(h)), 'h3');
  });

  it('passes over a host that answers CODE_LOAD_FAILED, and fails with that answer when no other is left', async function () {
    await registry.putHost(host('h1'));
    const placement = new HostPlacement({ registry, provider: provider(registry) });
    const answer = new CodeLoadFailedError(app.name, 4, "Cannot find module 'x'", 'h1');
    await assert.rejects(
      placement.onPlacedHost(app, { needsCode: true }, () => Promise.reject(answer)),
      (e: unknown) => e === answer,
    );
    assert.equal(placement.inFlightTo('h1'), 0);
  });

  it('reports the live hosts that cannot load the code, by id, and leaves stale ones out', async function () {
    await registry.putHost(host('h2', { codeError: { version: 2, message: 'no' } }));
    await registry.putHost(host('h1', { codeError: { version: 1, message: 'old' } }));
    await registry.putHost(
      host('h0', { heartbeatAt: Date.now() - 60_000, codeError: { version: 2, message: 'gone' } }),
    );
    await registry.putHost(host('h3'));
    const placement = new HostPlacement({ registry, provider: provider(registry), hostStaleMs: 5_000 });
    assert.deepEqual(await placement.codeErrors(app.name), [
      { host: 'h1', version: 1, message: 'old' },
      { host: 'h2', version: 2, message: 'no' },
    ]);
  });
});
