import assert from 'node:assert/strict';
import { credentials, status, type Client, type ClientReadableStream } from '@grpc/grpc-js';
import type { Client as MinioClient } from 'minio';
import { PraasClient, type ProcessInfo, type ProcessWatchEvent, type Subscription } from '@praas/framework/internal';
import { NatsKvRegistry, NatsTransport } from '@praas/framework/nats';
import { loadGatewayService } from '@praas/gateway';
import {
  bearerInterceptor,
  FAST_FAILURE_ENV,
  s3Client,
  STACK_FIXTURE_MODULE,
  startStack,
  type GatewayProcess,
  type Stack,
} from '../src';
import { assertGrpcRejects, fuzzGateway, grpcUnary, http, jsonBytes, parseJsonBytes } from '@praas/test-services';
import { until } from './support/cli';

const BODY_LIMIT = 16 * 1024;
const FUZZ_REQUESTS = 1_200;

interface ProcessMessage {
  pid: string;
  processClass: string;
  status: string;
  address: string;
  generation: number;
  host: string;
}

/** The value of one series of a Prometheus text exposition, undefined when it is absent. */
function series(metrics: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of metrics.split('\n')) {
    const m = /^([a-z_]+)\{(.*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got: Record<string, string> = Object.fromEntries(
      [...m[2]!.matchAll(/([a-z_]+)="([^"]*)"/g)].map((l): [string, string] => [l[1]!, l[2]!]),
    );
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('gateway stack: two gateways and two runtime hosts as OS processes on NATS and S3', function () {
  let stack: Stack;
  let objects: MinioClient;
  let g1: GatewayProcess;
  let g2: GatewayProcess;
  let rest1: PraasClient;
  let rest2: PraasClient;
  const grpcClients: Client[] = [];
  const app = `stack-${Date.now().toString(36)}`;

  /** Keys of the snapshot objects under `prefix` in the hosts' bucket. */
  const keysUnder = (prefix: string): Promise<string[]> =>
    new Promise((resolve, reject) => {
      const keys: string[] = [];
      const stream = objects.listObjectsV2(stack.bucket, prefix, true);
      stream.on('data', (o: { name?: string }) => o.name && keys.push(o.name));
      stream.on('end', () => resolve(keys));
      stream.on('error', reject);
    });

  const grpcClient = (gateway: GatewayProcess): Client => {
    const Gateway = loadGatewayService();
    const client = new Gateway(gateway.grpcAddress, credentials.createInsecure(), {
      interceptors: [bearerInterceptor(gateway.authorization)],
    });
    grpcClients.push(client);
    return client;
  };

  /** Waits until every host's heartbeat record reports that it holds no process of the application. */
  const heartbeatsReportNoProcesses = async (): Promise<void> => {
    const transport = await NatsTransport.connect({ servers: stack.nats.url, name: 'stack-heartbeats' });
    try {
      const registry = await NatsKvRegistry.open(transport.connection);
      try {
        await until('both hosts report no processes in their heartbeats', async () => {
          const records = await registry.listHosts(app);
          return records.length === stack.hosts.length && records.every((h) => h.activeProcesses === 0)
            ? true
            : undefined;
        });
      } finally {
        await registry.close();
      }
    } finally {
      await transport.close();
    }
  };

  before(async () => {
    const gatewayEnv = {
      PRAAS_DOWNSCALE_INTERVAL_MS: '100',
      PRAAS_BODY_LIMIT: String(BODY_LIMIT),
      PRAAS_HOST_STALE_MS: FAST_FAILURE_ENV.PRAAS_HOST_STALE_MS,
    };
    stack = await startStack({
      name: 'gateway-stack',
      s3: true,
      hosts: ['h1', 'h2'].map((hostId) => ({ app, hostId, modulePath: STACK_FIXTURE_MODULE, env: FAST_FAILURE_ENV })),
      gateways: [{ env: gatewayEnv }, { env: gatewayEnv }],
      killHosts: true,
    });
    [g1, g2] = stack.gateways as [GatewayProcess, GatewayProcess];
    objects = s3Client(stack.s3);
    rest1 = new PraasClient({ url: g1.httpUrl, token: g1.token });
    rest2 = new PraasClient({ url: g2.httpUrl, token: g2.token });
  });

  after(async () => {
    for (const c of grpcClients) c.close();
    await stack?.stop();
  });

  describe('life cycle', () => {
    it('runs the application and process life cycle over REST, placing processes on both hosts', async () => {
      const created = await rest1.createApp(app);
      assert.deepEqual(created.processClasses, ['Dozer', 'Journal', 'Tally'], 'the classes the hosts report');
      assert.ok((await rest1.listApps()).some((a) => a.name === app));
      assert.equal((await rest1.getApp(app)).name, app);

      const processes: ProcessInfo[] = [];
      for (let i = 0; i < 4; i++) processes.push(await rest1.createProcess(app, { processClass: 'Tally' }));
      assert.deepEqual(
        processes.map((p) => p.host).sort(),
        ['h1', 'h1', 'h2', 'h2'],
        'least loaded placement spreads the processes',
      );
      const listed = await rest1.listProcesses(app);
      assert.deepEqual(listed.map((p) => p.pid).sort(), processes.map((p) => p.pid).sort());
      assert.ok(listed.every((p) => p.status === 'active' && p.processClass === 'Tally'));

      const [first, second] = processes as [ProcessInfo, ProcessInfo];
      const pid = first.pid;
      const got = await rest1.getProcess(app, pid);
      assert.equal(got.status, 'active');
      assert.equal(got.host, first.host);
      assert.ok(got.address.includes(pid), got.address);

      assert.equal(await rest1.invoke(app, 'add', 5, { pid }), 5);
      const swapped = await rest1.swapProcess(app, pid);
      assert.equal(swapped.status, 'swapped');
      assert.equal(swapped.host, undefined);
      assert.equal((await rest1.getProcess(app, pid)).status, 'swapped');
      assert.ok((await keysUnder(`${app}/${pid}/`)).length > 0, 'the swap wrote a snapshot to S3');

      assert.equal(await rest1.invoke(app, 'add', 2, { pid }), 7, 'swapped in transparently with its state');
      const back = await rest1.getProcess(app, pid);
      assert.equal(back.status, 'active');
      assert.ok(back.generation >= 1);

      await rest1.deleteProcess(app, pid);
      await assert.rejects(rest1.getProcess(app, pid), { code: 'PROCESS_NOT_FOUND' });
      assert.deepEqual(await keysUnder(`${app}/${pid}/`), [], 'its snapshots are gone');
      assert.ok(!(await rest1.listProcesses(app)).some((p) => p.pid === pid));

      await rest1.swapProcess(app, second.pid);
      assert.ok((await keysUnder(`${app}/${second.pid}/`)).length > 0);
      await rest1.deleteApp(app);
      await assert.rejects(rest1.getApp(app), { code: 'APPLICATION_NOT_FOUND' });
      assert.ok(!(await rest1.listApps()).some((a) => a.name === app));
      assert.deepEqual(await keysUnder(`${app}/`), [], 'deleting the application removed every snapshot');
    });

    it('runs the application and process life cycle over gRPC', async () => {
      // Placement counts a host's load from its heartbeat: the previous test's processes stay in
      // those counts until the next heartbeats, and the spread asserted below needs them gone.
      await heartbeatsReportNoProcesses();
      const client = grpcClient(g2);
      const created = await grpcUnary<{ name: string; processClasses: string[] }>(client, 'CreateApp', { name: app });
      assert.deepEqual(created.processClasses, ['Dozer', 'Journal', 'Tally']);
      const apps = await grpcUnary<{ apps: { name: string }[] }>(client, 'ListApps', {});
      assert.ok(apps.apps.some((a) => a.name === app));

      const processes: ProcessMessage[] = [];
      for (let i = 0; i < 2; i++)
        processes.push(await grpcUnary<ProcessMessage>(client, 'CreateProcess', { app, processClass: 'Tally' }));
      assert.deepEqual(processes.map((p) => p.host).sort(), ['h1', 'h2']);
      const listed = await grpcUnary<{ processes: ProcessMessage[] }>(client, 'ListProcesses', { app });
      assert.deepEqual(
        listed.processes.map((p) => [p.pid, p.status]).sort(),
        processes.map((p) => [p.pid, 'active']).sort(),
      );
      const pid = processes[0]!.pid;
      assert.equal((await grpcUnary<ProcessMessage>(client, 'GetProcess', { app, pid })).host, processes[0]!.host);

      const invoke = async (n: number): Promise<unknown> =>
        parseJsonBytes(
          (await grpcUnary<{ payload: Buffer }>(client, 'Invoke', { app, fn: 'add', pid, payload: jsonBytes(n) }))
            .payload,
        );
      assert.equal(await invoke(40), 40);
      const swapped = await grpcUnary<ProcessMessage>(client, 'SwapProcess', { app, pid });
      assert.equal(swapped.status, 'swapped');
      assert.equal(swapped.host, '');
      assert.ok((await keysUnder(`${app}/${pid}/`)).length > 0);
      assert.equal(await invoke(2), 42, 'swapped in transparently with its state');
      assert.equal((await grpcUnary<ProcessMessage>(client, 'GetProcess', { app, pid })).status, 'active');

      await grpcUnary(client, 'DeleteProcess', { app, pid });
      await assertGrpcRejects(grpcUnary(client, 'GetProcess', { app, pid }), status.NOT_FOUND, 'PROCESS_NOT_FOUND');
      assert.deepEqual(await keysUnder(`${app}/${pid}/`), []);
      await grpcUnary(client, 'DeleteApp', { app });
      await assertGrpcRejects(grpcUnary(client, 'GetApp', { app }), status.NOT_FOUND, 'APPLICATION_NOT_FOUND');
      assert.deepEqual(await keysUnder(`${app}/`), []);
    });
  });

  describe('with the application in place', () => {
    before(async () => {
      await rest1.createApp(app);
    });

    it('swaps out a process idle past its timeout through the down-scaling policy, and back in at the next invoke', async () => {
      const { pid } = await rest1.createProcess(app, { processClass: 'Dozer' });
      assert.equal(await rest1.invoke(app, 'add', 3, { pid }), 3);
      const swapped = await until('the idle swap-out', async () => {
        const p = await rest1.getProcess(app, pid);
        return p.status === 'swapped' ? p : undefined;
      });
      assert.ok(swapped.generation >= 1);
      assert.ok((await keysUnder(`${app}/${pid}/`)).length > 0);
      assert.equal(await rest1.invoke(app, 'add', 4, { pid }), 7, 'swapped back in with its state');
    });

    it('invokes without a pid on a process of the class that has the function, as the hosts report them', async () => {
      await rest1.createProcess(app, { processClass: 'Tally' });
      const written = await rest2.invoke<number>(app, 'write', 'first line');
      assert.ok(written >= 1, 'a Journal, not the active Tally, took the call');
      assert.ok((await rest1.listProcesses(app)).some((p) => p.processClass === 'Journal'));
      await assert.rejects(rest1.invoke(app, 'add', 1), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'INVALID_ARGUMENT');
        assert.match(e.message, /\(Dozer, Tally\)/);
        return true;
      });
      assert.equal(typeof (await rest1.invoke(app, 'get', undefined, { processClass: 'Tally' })), 'number');
    });

    it('serves one registry from two gateways: create on one, watch, list, invoke and swap on the other', async () => {
      const events: ProcessWatchEvent[] = [];
      const sse: Subscription = await rest2.watchProcesses(app, (e) => events.push(e));
      const grpcEvents: { type: string; process: ProcessMessage }[] = [];
      const client = grpcClient(g2);
      const call = (client as unknown as Record<string, (r: object) => ClientReadableStream<unknown>>)[
        'WatchProcesses'
      ]!.call(client, { app });
      call.on('data', (e: { type: string; process: ProcessMessage }) => grpcEvents.push(e));
      call.on('error', () => undefined);
      await new Promise((resolve) => call.once('metadata', resolve));
      try {
        const pid = `shared-${Date.now().toString(36)}`;
        await rest1.createProcess(app, { processClass: 'Tally', pid });
        await until('the SSE event on gateway 2', async () =>
          events.some((e) => e.type === 'put' && e.process.pid === pid) ? true : undefined,
        );
        await until('the gRPC event on gateway 2', async () =>
          grpcEvents.some((e) => e.type === 'put' && e.process.pid === pid) ? true : undefined,
        );
        assert.ok((await rest2.listProcesses(app)).some((p) => p.pid === pid && p.status === 'active'));
        assert.equal(await rest2.invoke(app, 'add', 10, { pid }), 10);
        assert.equal(await rest1.invoke(app, 'add', 1, { pid }), 11);
        assert.equal((await rest2.swapProcess(app, pid)).status, 'swapped');
        assert.equal((await rest1.getProcess(app, pid)).status, 'swapped');
        await until('the swap event on gateway 2', async () =>
          events.some((e) => e.process.pid === pid && e.process.status === 'swapped') ? true : undefined,
        );
        assert.equal(await rest1.invoke(app, 'get', undefined, { pid }), 11);
      } finally {
        await sse.unsubscribe();
        call.cancel();
      }
    });

    it(`answers ${FUZZ_REQUESTS} malformed requests to a gateway process with a 4xx each, and keeps serving`, async () => {
      const pid = 'fuzz-target';
      await rest1.createProcess(app, { processClass: 'Tally', pid });
      const before = (await rest1.listProcesses(app)).map((p) => p.pid).sort();
      const seed = Number(process.env['PRAAS_FUZZ_SEED'] ?? 20_261_122);
      const { failures, statuses } = await fuzzGateway({
        baseUrl: g1.httpUrl,
        httpPort: g1.httpPort,
        authorization: g1.authorization,
        seed,
        app,
        pid,
        fn: 'add',
        bodyLimitBytes: BODY_LIMIT,
        requests: FUZZ_REQUESTS,
        garbage: 30,
      });
      assert.deepEqual(failures, []);
      for (const code of [400, 404, 405, 409, 413, 415]) assert.ok(statuses.has(code), `some request got ${code}`);

      assert.ok(g1.alive(), `the gateway process is alive:\n${g1.output()}`);
      assert.equal((await http(g1.httpUrl, 'GET', '/healthz')).status, 200);
      assert.equal(await rest1.invoke(app, 'add', 1, { pid }), 1, 'no fuzz request reached the process');
      assert.deepEqual((await rest1.listProcesses(app)).map((p) => p.pid).sort(), before);
      assert.deepEqual(
        (await rest1.listApps()).map((a) => a.name),
        [app],
      );
      const metrics = await http(g1.httpUrl, 'GET', '/metrics');
      assert.doesNotMatch(metrics.text, /praas_gateway_http_requests_total\{[^}]*status="5\d\d"\}/);
    });

    it('shows invocation counters and active and swapped process gauges in /metrics', async () => {
      for (const [gateway, fn] of [
        [g1, 'add'],
        [g2, 'add'],
      ] as const) {
        const res = await http(gateway.httpUrl, 'GET', '/metrics');
        assert.equal(res.status, 200);
        assert.match(String(res.headers['content-type']), /^text\/plain/);
        const ok = series(res.text, 'praas_gateway_invocations_total', { app, fn, outcome: 'ok' });
        assert.ok(ok !== undefined && ok >= 1, `invocations of ${fn} on ${gateway.httpUrl}: ${ok}`);
        const listed = await rest1.listProcesses(app);
        const count = (s: string): number => listed.filter((p) => p.status === s).length;
        assert.ok(count('active') >= 1 && count('swapped') >= 1, 'the traffic left processes in both states');
        const active = series(res.text, 'praas_processes', { app, status: 'active' });
        const swapped = series(res.text, 'praas_processes', { app, status: 'swapped' });
        assert.ok(active !== undefined && active >= 1, `active gauge ${active}`);
        assert.ok(swapped !== undefined && swapped >= 1, `swapped gauge ${swapped}`);
      }
      const swaps = series((await http(g2.httpUrl, 'GET', '/metrics')).text, 'praas_gateway_swaps_total', {
        app,
        direction: 'out',
        outcome: 'ok',
      });
      assert.ok(swaps !== undefined && swaps >= 1, `explicit swaps on gateway 2: ${swaps}`);
    });

    it('brings checkpointed processes of a SIGKILLed host back on the other host at the next invoke', async () => {
      // Placement is least loaded, so a few journals cover both hosts whatever else they hold.
      const journals: ProcessInfo[] = [];
      while (new Set(journals.map((j) => j.host)).size < 2) {
        assert.ok(journals.length < 4, `journals placed on ${journals.map((j) => j.host).join(', ')}`);
        journals.push(await rest1.createProcess(app, { processClass: 'Journal' }));
      }
      for (const j of journals)
        for (const line of ['a', 'b', 'c']) await rest1.invoke(app, 'write', `${j.pid}:${line}`, { pid: j.pid });

      // Checkpoints follow changes; once the generation stays put for five intervals, it holds every line.
      for (const j of journals) {
        let generation = 0;
        let stableSince = Date.now();
        await until(`a settled checkpoint of ${j.pid}`, async () => {
          const g = (await rest2.getProcess(app, j.pid)).generation;
          if (g !== generation) [generation, stableSince] = [g, Date.now()];
          return generation > 0 && Date.now() - stableSince > 500 ? true : undefined;
        });
      }
      const doomed = stack.hosts.find((h) => h.id === journals[0]!.host)!;
      const survivor = stack.hosts.find((h) => h.id !== doomed.id)!;
      const victims = journals.filter((j) => j.host === doomed.id);
      await doomed.kill();

      for (const victim of victims) {
        assert.deepEqual(
          await rest2.invoke(app, 'read', undefined, { pid: victim.pid }),
          ['a', 'b', 'c'].map((l) => `${victim.pid}:${l}`),
          'recovered with its last committed state',
        );
        const moved = await until('the registry to show the new host', async () => {
          const p = await rest1.getProcess(app, victim.pid);
          return p.status === 'active' ? p : undefined;
        });
        assert.equal(moved.host, survivor.id);
        assert.equal(await rest1.invoke(app, 'write', `${victim.pid}:d`, { pid: victim.pid }), 4, 'it keeps serving');
      }
      for (const other of journals.filter((j) => j.host === survivor.id))
        assert.equal(await rest2.invoke(app, 'write', `${other.pid}:d`, { pid: other.pid }), 4);
      // The dead host now holds nothing, but it is dead: new processes go to the survivor.
      const fresh = await rest1.createProcess(app, { processClass: 'Journal' });
      assert.equal(fresh.host, survivor.id);
    });
  });

  describe('shutdown', () => {
    it('stops a gateway on SIGTERM with exit code 0', async () => {
      assert.equal(await g2.stop(), 0, g2.output());
      assert.ok(!g2.alive());
      assert.equal((await http(g1.httpUrl, 'GET', '/healthz')).status, 200, 'the other gateway keeps serving');
    });
  });
});
