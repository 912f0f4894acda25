import {
  DataPlaneClient,
  decode,
  encode,
  newId,
  SequencedSender,
  unwrapReply,
  type Registry,
  type Transport,
} from '@praas/framework/internal';
import type { DataPlaneKind } from '../../host/host-data-plane';
import { RuntimeHost } from '../../host/runtime-host';
import type { ProcessControllerOptions } from '../../process/process-controller';
import type { SwapStore } from '../../storage/swap-store';
import { GatedSwapStore } from '../gated-swap-store';
import { Feeder, Reducer, type TriggerCall } from './trigger-processes';

export interface TriggerEnvironment {
  /** Transports for up to two hosts and the test's client (may be one shared instance in memory). */
  transport(): Promise<Transport>;
  readonly registry: Registry;
  readonly store: SwapStore;
  dispose(): Promise<void>;
}

export interface TriggerContractOptions {
  create(): Promise<TriggerEnvironment>;
  /** The data plane between the two hosts (default `'nats'`: every request over the transport). */
  dataPlane?: DataPlaneKind;
  /** fast-check runs of the property test (default 25). */
  propertyRuns?: number;
}

/**
 * What the cases of the trigger contract share: a fresh application per test with two hosts (h1
 * holds the Reducer `r` and the Feeder `f1`, h2 the Feeder `f2`), a client on the data plane, and
 * helpers to invoke, send and wait. The state is read through getters: each test gets new hosts.
 */
export interface TriggerHarness {
  readonly env: TriggerEnvironment;
  readonly app: string;
  readonly h1: RuntimeHost;
  readonly h2: RuntimeHost;
  /** The hosts' store: its next write can be held and failed. */
  readonly store: GatedSwapStore;
  /** Starts another host of the application. */
  host(id: string, controller?: ProcessControllerOptions): Promise<RuntimeHost>;
  invoke<R>(pid: string, fn: string, data: unknown, key?: string, id?: string): Promise<R>;
  send(pid: string, fn: string, key: string, value: string, id?: string): Promise<void>;
  /** A message to the mailbox (no function). */
  post(pid: string, key: string, value: string): Promise<void>;
  history(pid?: string): Promise<TriggerCall[]>;
  callsOf(fn: string, pid?: string): Promise<string[][]>;
  /** Entries the backup queue of `pid` holds (this app's processes are fresh in every test). */
  backlog(pid: string): Promise<number>;
  hostOf(pid: string): Promise<RuntimeHost>;
  swap(pid: string): Promise<void>;
  until(check: () => Promise<boolean>, what: string): Promise<void>;
}

let unique = 0;

/** Registers the harness's beforeEach and afterEach in the calling `describe`, and returns it. */
export function useTriggerHarness(options: TriggerContractOptions): TriggerHarness {
  let env: TriggerEnvironment;
  let app: string;
  let h1: RuntimeHost;
  let h2: RuntimeHost;
  let client: DataPlaneClient;
  let clientTransport: Transport;
  let store: GatedSwapStore;
  // The clients' sending path: one incarnation per test, messages numbered per receiver from 1.
  let sender = new SequencedSender('client:t');

  const host = async (id: string, controller: ProcessControllerOptions = {}): Promise<RuntimeHost> => {
    const h = new RuntimeHost({
      app,
      processes: [Reducer, Feeder],
      transport: await env.transport(),
      registry: env.registry,
      store,
      hostId: id,
      controller,
      dataPlane: options.dataPlane ?? 'nats',
    });
    await h.start();
    return h;
  };

  beforeEach(async () => {
    sender = new SequencedSender('client:t');
    env = await options.create();
    store = new GatedSwapStore(env.store);
    app = `trig${process.pid}x${unique++}`;
    h1 = await host('h1', { drainTimeoutMs: 300 });
    h2 = await host('h2', { drainTimeoutMs: 300 });
    clientTransport = await env.transport();
    client = new DataPlaneClient(clientTransport, env.registry, app);
    await h1.create('r', 'Reducer');
    await h1.create('f1', 'Feeder');
    await h2.create('f2', 'Feeder');
  });
  afterEach(async () => {
    await h1.stop({ swapOut: false });
    await h2.stop({ swapOut: false });
    await env.dispose();
  });

  const invoke = async <R>(pid: string, fn: string, data: unknown, key?: string, id = newId()): Promise<R> => {
    const options = { id, timeoutMs: 20_000, ...(key === undefined ? {} : { key }) };
    const reply = await client.invoke(pid, sender.invocation(fn, encode(data), options));
    const bytes = unwrapReply(reply);
    return (bytes === undefined ? undefined : decode(bytes)) as R;
  };
  const send = (pid: string, fn: string, key: string, value: string, id = newId()): Promise<void> =>
    client.send(pid, sender.message(pid, key, encode(value), { id, fn }));
  /** A message to the mailbox (no function). */
  const post = (pid: string, key: string, value: string): Promise<void> =>
    client.send(pid, sender.message(pid, key, encode(value)));
  const history = (pid = 'r'): Promise<TriggerCall[]> => invoke<TriggerCall[]>(pid, 'history', null);
  const callsOf = async (fn: string, pid = 'r'): Promise<string[][]> =>
    (await history(pid)).filter((c) => c.fn === fn).map((c) => c.values);
  /** Entries the backup queue of `pid` holds (this app's processes are fresh in every test). */
  const backlog = async (pid: string): Promise<number> =>
    (await clientTransport.backup.read(app, pid, 0, 1_000)).length;
  const hostOf = async (pid: string): Promise<RuntimeHost> =>
    (await env.registry.getProcess(app, pid))?.host === 'h2' ? h2 : h1;
  const swap = async (pid: string): Promise<void> => void (await (await hostOf(pid)).swapOut(pid));
  const until = async (check: () => Promise<boolean>, what: string): Promise<void> => {
    const end = Date.now() + 10_000;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  return {
    get env() {
      return env;
    },
    get app() {
      return app;
    },
    get h1() {
      return h1;
    },
    get h2() {
      return h2;
    },
    get store() {
      return store;
    },
    host,
    invoke,
    send,
    post,
    history,
    callsOf,
    backlog,
    hostOf,
    swap,
    until,
  };
}
