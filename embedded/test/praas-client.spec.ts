import assert from 'node:assert/strict';
import {
  AlreadyExistsError,
  ApplicationNotFoundError,
  EncodeError,
  FunctionError,
  InvalidNameError,
  PraasClient,
  ProcessNotFoundError,
  UnavailableError,
  type ControlPlaneApi,
  type ProcessWatchEvent,
} from '@praas/framework/internal';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack';

/** User code written against ControlPlaneApi: runs unchanged in process and against a remote gateway. */
async function scenario(api: ControlPlaneApi, app: string): Promise<unknown[]> {
  await api.createApp(app);
  const { pid } = await api.createProcess(app, { pid: 'c1' });
  const out: unknown[] = [await api.invoke(app, 'add', 5, { pid })];
  out.push((await api.swapProcess(app, pid)).status);
  out.push(await api.invoke(app, 'add', 1, { pid }));
  await api.send(app, pid, 'note', { hello: 'world' });
  out.push(await api.invoke(app, 'inbox', 1, { pid }));
  out.push((await api.listProcesses(app)).map((p) => `${p.pid}:${p.status}`));
  out.push(await api.invoke(app, 'nothing', undefined, { pid }));
  await api.deleteProcess(app, pid);
  out.push((await api.listApps()).map((a) => a.name).includes(app));
  await api.deleteApp(app);
  return out;
}

describe('PraasClient against a live gateway', () => {
  let stack: GatewayStack;
  beforeEach(async () => (stack = await startGatewayStack()));
  afterEach(async () => stack.close());

  it('runs the same user code as the embedded control plane, with the same results', async () => {
    const client = new PraasClient({ url: stack.addresses.httpUrl });
    const remote = await scenario(client, 'remote');
    const local = await scenario(stack.praas, 'local');
    assert.deepEqual(remote, [5, 'swapped', 6, [{ hello: 'world' }], ['c1:active'], undefined, true]);
    assert.deepEqual(remote, local);
  });

  it('rebuilds the errors the gateway answered with as their classes', async () => {
    const client = new PraasClient({ url: `${stack.addresses.httpUrl}/` });
    await client.createApp('errs');
    await assert.rejects(client.createApp('errs'), AlreadyExistsError);
    await assert.rejects(client.getApp('missing'), ApplicationNotFoundError);
    await assert.rejects(client.createApp('bad name'), InvalidNameError);
    await assert.rejects(client.getProcess('errs', 'nope'), ProcessNotFoundError);
    await assert.rejects(client.invoke('errs', 'fail', 'it broke'), (e: unknown) => {
      assert.ok(e instanceof FunctionError);
      assert.equal(e.message, 'it broke');
      assert.equal(e.details['errorName'], 'RangeError');
      return true;
    });
    await assert.rejects(
      client.invoke('errs', 'add', () => 1),
      EncodeError,
      'a function cannot be encoded',
    );
  });

  it('says the gateway is unreachable when it is', async () => {
    const { httpUrl } = stack.addresses;
    await stack.gateway.stop();
    await assert.rejects(new PraasClient({ url: httpUrl }).listApps(), UnavailableError);
  });

  it('watches membership changes over the event stream, until unsubscribed or the gateway stops', async () => {
    const client = new PraasClient({ url: stack.addresses.httpUrl });
    await client.createApp('watched');
    await assert.rejects(
      client.watchProcesses('missing', () => undefined),
      ApplicationNotFoundError,
    );
    const events: ProcessWatchEvent[] = [];
    let wake: () => void = () => undefined;
    const waitFor = async (match: (e: ProcessWatchEvent) => boolean): Promise<void> => {
      while (!events.some(match)) await new Promise<void>((r) => (wake = r));
    };
    let endedBy: Error | undefined | 'not ended' = 'not ended';
    const sub = await client.watchProcesses(
      'watched',
      (e) => {
        events.push(e);
        wake();
      },
      { onEnd: (error) => (endedBy = error) },
    );
    await client.createProcess('watched', { pid: 'w1' });
    await waitFor((e) => e.type === 'put' && e.process.pid === 'w1' && e.process.status === 'active');
    await client.swapProcess('watched', 'w1');
    await waitFor((e) => e.type === 'put' && e.process.status === 'swapped');
    await client.deleteProcess('watched', 'w1');
    await waitFor((e) => e.type === 'deleted');
    await sub.unsubscribe();
    assert.equal(endedBy, 'not ended', 'unsubscribing is not an end the caller is told about');

    let ended!: () => void;
    const endedPromise = new Promise<void>((r) => (ended = r));
    const second = await client.watchProcesses('watched', () => undefined, { onEnd: () => ended() });
    await stack.gateway.stop();
    await endedPromise;
    await second.unsubscribe();
  });

  it('starts a watch with a snapshot, and resumes one after the revision of the last event seen', async () => {
    const client = new PraasClient({ url: stack.addresses.httpUrl });
    await client.createApp('resumed');
    await client.createProcess('resumed', { pid: 'r1' });
    const watch = async (afterRevision?: number): Promise<string[]> => {
      const lines: string[] = [];
      let synced!: () => void;
      const done = new Promise<void>((resolve) => (synced = resolve));
      const sub = await client.watchProcesses(
        'resumed',
        (e) => lines.push(`${e.type}:${e.process.pid}:${e.revision > (afterRevision ?? 0) ? 'new' : 'old'}`),
        {
          ...(afterRevision === undefined ? {} : { afterRevision }),
          onSnapshot: () => lines.push('snapshot'),
          onSynced: () => {
            lines.push('synced');
            synced();
          },
        },
      );
      await done;
      await sub.unsubscribe();
      return lines;
    };
    assert.deepEqual(await watch(), ['snapshot', 'put:r1:new', 'synced']);
    const seen: ProcessWatchEvent[] = [];
    const sub = await client.watchProcesses('resumed', (e) => seen.push(e));
    while (seen.length === 0) await new Promise((r) => setTimeout(r, 10));
    await sub.unsubscribe();
    await client.createProcess('resumed', { pid: 'r2' });
    assert.deepEqual(await watch(seen.at(-1)!.revision), ['put:r2:new', 'synced']);
  });

  it('invokes straight over the data plane when given one, keeping the binary types', async () => {
    const viaGateway = new PraasClient({ url: stack.addresses.httpUrl });
    const direct = new PraasClient({
      url: stack.addresses.httpUrl,
      dataPlane: { transport: stack.praas.transport, registry: stack.praas.registry },
    });
    await direct.createApp('dp');
    await direct.createProcess('dp', { pid: 'p' });
    const before = (await stack.gateway.metrics.render()).match(/praas_gateway_invocations_total\{[^}]*\} \d+/g) ?? [];
    const rich = await direct.invoke<{ at: unknown; tags: unknown }>('dp', 'rich', undefined, { pid: 'p' });
    assert.ok(rich.at instanceof Date, 'a Date stays a Date on the data plane');
    assert.ok(rich.tags instanceof Map);
    await direct.send('dp', 'p', 'note', new Date(0));
    const [received] = await direct.invoke<unknown[]>('dp', 'inbox', 1, { pid: 'p' });
    assert.ok(received instanceof Date);
    const after = (await stack.gateway.metrics.render()).match(/praas_gateway_invocations_total\{[^}]*\} \d+/g) ?? [];
    assert.deepEqual(after, before, 'the gateway saw none of these invocations');
    const viaGatewayToo = await viaGateway.invoke<{ at: unknown }>('dp', 'rich', undefined, { pid: 'p' });
    assert.ok(viaGatewayToo.at instanceof Date, 'through the gateway too (in the binary codec)');
  });

  it("with gatewayEncoding 'json', gets the gateway's JSON mapping", async () => {
    const client = new PraasClient({ url: stack.addresses.httpUrl, gatewayEncoding: 'json' });
    await client.createApp('printed');
    await client.createProcess('printed', { pid: 'p' });
    const expected = {
      at: '2024-05-06T07:08:09.000Z',
      big: '1180591620717411303424',
      bytes: 'aGk=',
      floats: [0.5, 1.5],
      tags: [['k', 'v']],
    };
    assert.deepEqual(await client.invoke('printed', 'rich', undefined, { pid: 'p' }), expected);
  });

  it('invokes through the gateway with the same values as the embedded API, arguments and results', async () => {
    const client = new PraasClient({ url: stack.addresses.httpUrl });
    await client.createApp('typed');
    await client.createProcess('typed', { pid: 'p' });
    const remote = await client.invoke('typed', 'rich', undefined, { pid: 'p' });
    const local = await stack.praas.invoke('typed', 'rich', undefined, { pid: 'p' });
    assert.deepEqual(remote, local);
    const rich = remote as { at: unknown; big: unknown; bytes: unknown; floats: unknown; tags: unknown };
    assert.ok(rich.at instanceof Date);
    assert.equal(rich.big, 2n ** 70n);
    assert.ok(rich.bytes instanceof Uint8Array);
    assert.ok(rich.floats instanceof Float64Array);
    assert.deepEqual(rich.tags, new Map([['k', 'v']]));

    const sparse: unknown[] = [-0];
    sparse[2] = new Set([1n]);
    const argument = { when: new Date(0), byId: new Map<unknown, unknown>([[1, sparse]]), none: undefined };
    const echoed = await client.invoke<typeof argument>('typed', 'echo', argument, { pid: 'p' });
    assert.deepEqual(echoed, argument);
    const list = echoed.byId.get(1) as unknown[];
    assert.ok(Object.is(list[0], -0), '-0 stays -0');
    assert.ok(!(1 in list), 'a hole stays a hole');
    assert.equal(await client.invoke('typed', 'nothing', undefined, { pid: 'p' }), undefined);
  });
});
