import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { Metadata, status, type Client, type ServiceError } from '@grpc/grpc-js';
import { appDataSecret, packBundle, parseSchedule } from '@praas/framework/internal';
import { NatsKvTimerStore } from '@praas/framework/nats';
import {
  GRPC_METHOD_ROUTES,
  loadGatewayService,
  newToken,
  ROUTE_ACCESS,
  ROUTES,
  type GrpcMethod,
  type RouteName,
} from '@praas/gateway';
import { http } from '@praas/test-services';
import { credentials } from '@grpc/grpc-js';
import {
  makeTestTokens,
  STACK_FIXTURE_MODULE,
  startStack,
  type GatewayProcess,
  type Stack,
  type TestTokens,
} from '../src';

const APP = 'shop';
/** Deployed to by the shop's token (`app:shipping:deploy`), so the shop's running code stays as it is. */
const DEPLOY_APP = 'shipping';
const DATA_SECRET = 'e2e-master-secret';

function bundle(app: string, files: Record<string, string> = { 'dist/index.js': 'exports.x = 1;' }): Uint8Array {
  return packBundle({
    manifest: { app, version: '1.0.0', module: 'dist/index.js', processes: [{ name: 'Counter' }] },
    files: new Map(Object.entries({ 'package.json': '{}', ...files }).map(([k, v]) => [k, Buffer.from(v)])),
  });
}

/** A bundle whose file list holds `path` as it is: what an attacker uploads, not what packBundle makes. */
function craftedBundle(app: string, path: string): Buffer {
  const manifest = { app, version: '1.0.0', module: 'dist/index.js', processes: [{ name: 'Counter' }] };
  const files = { 'package.json': 'e30=', 'dist/index.js': 'eA==', [path]: 'cHduZWQ=' };
  return gzipSync(JSON.stringify({ format: 'praas-bundle', formatVersion: 1, manifest, files }));
}

interface RestCase {
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  readonly raw?: Uint8Array;
  readonly contentType?: string;
  /** The status of a request that is allowed. */
  readonly ok: number;
}

/**
 * One request per REST route (a `Record` over the route names: a route added to the gateway does
 * not compile here until this test exercises it).
 */
const REST_CASES: Record<RouteName, RestCase> = {
  health: { method: 'GET', path: '/healthz', ok: 200 },
  metrics: { method: 'GET', path: '/metrics', ok: 200 },
  home: { method: 'GET', path: '/', ok: 302 },
  ui: { method: 'GET', path: '/ui', ok: 200 },
  uiAsset: { method: 'GET', path: '/ui/main.mjs', ok: 200 },
  createApp: { method: 'POST', path: '/v1/apps', body: { name: 'fresh' }, ok: 201 },
  listApps: { method: 'GET', path: '/v1/apps', ok: 200 },
  getApp: { method: 'GET', path: `/v1/apps/${APP}`, ok: 200 },
  deleteApp: { method: 'DELETE', path: '/v1/apps/doomed', ok: 204 },
  deployVersion: {
    method: 'PUT',
    path: `/v1/apps/${DEPLOY_APP}/versions`,
    raw: bundle(DEPLOY_APP),
    contentType: 'application/octet-stream',
    ok: 201,
  },
  listVersions: { method: 'GET', path: `/v1/apps/${APP}/versions`, ok: 200 },
  createProcess: { method: 'POST', path: `/v1/apps/${APP}/processes`, body: { class: 'Tally', pid: 'r-new' }, ok: 201 },
  listProcesses: { method: 'GET', path: `/v1/apps/${APP}/processes`, ok: 200 },
  getProcess: { method: 'GET', path: `/v1/apps/${APP}/processes/main`, ok: 200 },
  deleteProcess: { method: 'DELETE', path: `/v1/apps/${APP}/processes/r-del`, ok: 204 },
  swapProcess: { method: 'POST', path: `/v1/apps/${APP}/processes/r-swap/swap`, ok: 200 },
  sendMessage: {
    method: 'POST',
    path: `/v1/apps/${APP}/processes/main/messages`,
    body: { key: 'k', data: 1 },
    ok: 202,
  },
  invoke: { method: 'POST', path: `/v1/apps/${APP}/invoke/add?pid=main`, body: 1, ok: 200 },
  watchProcesses: { method: 'GET', path: `/v1/apps/${APP}/watch`, ok: 200 },
  inspectProcess: { method: 'GET', path: `/v1/apps/${APP}/processes/main/state`, ok: 200 },
  listHosts: { method: 'GET', path: `/v1/apps/${APP}/hosts`, ok: 200 },
  listTimers: { method: 'GET', path: `/v1/apps/${APP}/timers`, ok: 200 },
  listProcessTimers: { method: 'GET', path: `/v1/apps/${APP}/processes/main/timers`, ok: 200 },
  // The timer exists until the right token cancels it: a refused cancel would leave a 404 here.
  cancelTimer: { method: 'DELETE', path: `/v1/apps/${APP}/processes/main/timers/r-timer`, ok: 204 },
};

/**
 * The operations only an admin token may run; no right on an application covers them, so even the
 * application's own `app:shop:*` token is refused (403). Inspecting a process's state is one (issue 17).
 */
const ADMIN_ONLY: readonly RouteName[] = ['createApp', 'deleteApp', 'inspectProcess'];

/** One request per gRPC method, as {@link REST_CASES}. */
const GRPC_CASES: Record<GrpcMethod, object> = {
  CreateApp: { name: 'fresh-grpc' },
  ListApps: {},
  GetApp: { app: APP },
  DeleteApp: { app: 'doomed-grpc' },
  DeployVersion: { app: DEPLOY_APP, data: Buffer.from(bundle(DEPLOY_APP)) },
  ListVersions: { app: APP },
  CreateProcess: { app: APP, processClass: 'Tally', pid: 'g-new' },
  ListProcesses: { app: APP },
  GetProcess: { app: APP, pid: 'main' },
  SwapProcess: { app: APP, pid: 'g-swap' },
  DeleteProcess: { app: APP, pid: 'g-del' },
  Invoke: { app: APP, fn: 'add', pid: 'main', payload: Buffer.from('1') },
  SendMessage: { app: APP, pid: 'main', key: 'k', data: Buffer.from('1') },
  WatchProcesses: { app: APP },
  InspectProcess: { app: APP, pid: 'main' },
  ListHosts: { app: APP },
  ListTimers: { app: APP, pid: 'main' },
  CancelTimer: { app: APP, pid: 'main', id: 'g-timer' },
  Health: {},
};

describe('gateway authentication and authorization end to end (OS processes, every route and method)', function () {
  this.timeout(300_000);
  let stack: Stack;
  let tokens: TestTokens;
  let gateway: GatewayProcess;
  let grpc: Client;
  const shop = newToken('shop', [`app:${APP}:*`, `app:${DEPLOY_APP}:deploy`]);
  const bank = newToken('bank', ['app:bank:*']);
  const scraper = newToken('scraper', ['metrics']);
  const bearer = (token: string): string => `Bearer ${token}`;

  /** The token that may run a route: admin for admin operations, the scraper's for metrics, else the shop's. */
  const rightToken = (route: RouteName): string => {
    const access = ROUTE_ACCESS[route];
    return access === 'admin' ? tokens.token : access === 'metrics' ? scraper.token : shop.token;
  };

  const rest = async (c: RestCase, authorization?: string): Promise<{ status: number; text: string }> => {
    const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
    if (c.path.endsWith('/watch')) {
      // An event stream stays open: its status is all this needs.
      const abort = new AbortController();
      const response = await fetch(`${gateway.httpUrl}${c.path}`, { headers, signal: abort.signal });
      const text = response.ok ? '' : await response.text();
      abort.abort();
      return { status: response.status, text };
    }
    if (c.contentType) headers['content-type'] = c.contentType;
    return http(gateway.httpUrl, c.method, c.path, {
      headers,
      ...(c.raw ? { raw: Buffer.from(c.raw) } : c.body === undefined ? {} : { body: c.body }),
    });
  };

  const grpcCall = (method: GrpcMethod, authorization?: string): Promise<ServiceError | undefined> => {
    const metadata = new Metadata();
    if (authorization !== undefined) metadata.set('authorization', authorization);
    const client = grpc as unknown as Record<string, (...args: unknown[]) => unknown>;
    const request = GRPC_CASES[method];
    return new Promise((resolve) => {
      const done = (e: ServiceError | null): void => resolve(e ?? undefined);
      if (method === 'DeployVersion') {
        const call = client[method]!.call(grpc, metadata, done) as { write(m: object): void; end(): void };
        call.write(request);
        call.end();
      } else if (method === 'WatchProcesses') {
        const call = client[method]!.call(grpc, request, metadata) as NodeJS.EventEmitter & { cancel(): void };
        call.once('data', () => {
          call.cancel();
          resolve(undefined);
        });
        call.once('error', (e: ServiceError) => (e.code === status.CANCELLED ? undefined : resolve(e)));
      } else client[method]!.call(grpc, request, metadata, done);
    });
  };

  before(async () => {
    tokens = makeTestTokens([shop.entry, bank.entry, scraper.entry]);
    // The data plane's handshake needs the application secret: the gateway holds the master, the host its application's.
    stack = await startStack({
      name: 'gateway-auth',
      s3: true,
      hosts: [
        {
          app: APP,
          hostId: 'shop-1',
          modulePath: STACK_FIXTURE_MODULE,
          env: { PRAAS_APP_SECRET: appDataSecret(DATA_SECRET, APP) },
          readyTimeoutMs: 60_000,
        },
      ],
      gateways: [{ tokens, s3: true, env: { PRAAS_PROTECT_METRICS: 'true', PRAAS_DATA_SECRET: DATA_SECRET } }],
      killHosts: true,
    });
    [gateway] = stack.gateways as [GatewayProcess];
    const Gateway = loadGatewayService();
    grpc = new Gateway(gateway.grpcAddress, credentials.createInsecure());
    const admin = { authorization: gateway.authorization };
    for (const name of ['doomed', 'doomed-grpc'])
      assert.equal((await http(gateway.httpUrl, 'POST', '/v1/apps', { body: { name }, headers: admin })).status, 201);
    for (const pid of ['main', 'r-del', 'r-swap', 'g-del', 'g-swap']) {
      const made = await http(gateway.httpUrl, 'POST', `/v1/apps/${APP}/processes`, {
        body: { class: 'Tally', pid },
        headers: admin,
      });
      assert.equal(made.status, 201, made.text);
    }
    // Timers in the store the gateway reads (as a host's ctx.schedule would write them), for the cancel cases.
    const timers = await NatsKvTimerStore.connect({ servers: stack.nats.url });
    try {
      for (const id of ['r-timer', 'g-timer'])
        await timers.put({
          app: APP,
          pid: 'main',
          id,
          fn: 'add',
          data: new Uint8Array([1]),
          schedule: parseSchedule({ afterMs: 3_600_000 }),
          dueAt: Date.now() + 3_600_000,
          attempt: 0,
          createdAt: Date.now(),
        });
    } finally {
      await timers.close();
    }
  });

  after(async () => {
    grpc?.close();
    try {
      await stack?.stop();
    } finally {
      tokens?.remove();
    }
  });

  it('has a case for every REST route and every gRPC method the proto declares', () => {
    assert.deepEqual(Object.keys(REST_CASES).sort(), ROUTES.map((r) => r.name).sort());
    assert.deepEqual(Object.keys(GRPC_CASES).sort(), Object.keys(loadGatewayService().service).sort());
    assert.deepEqual(Object.keys(GRPC_METHOD_ROUTES).sort(), Object.keys(GRPC_CASES).sort());
    const admin = (Object.keys(ROUTE_ACCESS) as RouteName[]).filter((r) => ROUTE_ACCESS[r] === 'admin');
    assert.deepEqual(admin.sort(), [...ADMIN_ONLY].sort());
  });

  it('REST: no token or a forged one → 401, another application’s token → 403, the right one → served (open routes: always)', async () => {
    const forged = bearer(`praas_shop.${'A'.repeat(43)}`);
    for (const [route, c] of Object.entries(REST_CASES) as [RouteName, RestCase][]) {
      // /healthz, and the dashboard's page and files (they hold no data; the page sends a token on its calls).
      const open = ROUTE_ACCESS[route] === 'open';
      for (const [label, authorization] of [
        ['no token', undefined],
        ['a forged token', forged],
      ] as const) {
        const r = await rest(c, authorization);
        assert.equal(r.status, open ? c.ok : 401, `${route} with ${label}: ${r.status} ${r.text}`);
        if (!open) assert.equal((JSON.parse(r.text) as { error: { code: string } }).error.code, 'UNAUTHENTICATED');
      }
      const other = await rest(c, bearer(bank.token));
      if (route === 'listApps') {
        assert.equal(other.status, 200);
        const names = (JSON.parse(other.text) as { apps: { name: string }[] }).apps.map((a) => a.name);
        assert.ok(!names.includes(APP), `another application's token lists ${APP}: ${other.text}`);
      } else {
        assert.equal(other.status, open ? c.ok : 403, `${route} with bank's token: ${other.status} ${other.text}`);
        if (!open)
          assert.equal((JSON.parse(other.text) as { error: { code: string } }).error.code, 'PERMISSION_DENIED');
      }
      if (ADMIN_ONLY.includes(route)) {
        const own = await rest(c, bearer(shop.token));
        assert.equal(own.status, 403, `${route} with the shop's own token: ${own.status} ${own.text}`);
        const { error } = JSON.parse(own.text) as { error: { code: string; message: string } };
        assert.equal(error.code, 'PERMISSION_DENIED');
        assert.match(error.message, /needs the scope 'admin'/);
      }
    }
    // Nothing of the refused requests happened.
    const apps = await http(gateway.httpUrl, 'GET', '/v1/apps', { headers: { authorization: gateway.authorization } });
    const names = (JSON.parse(apps.text) as { apps: { name: string }[] }).apps.map((a) => a.name).sort();
    assert.deepEqual(names, ['doomed', 'doomed-grpc', APP]);
    for (const [route, c] of Object.entries(REST_CASES) as [RouteName, RestCase][]) {
      const r = await rest(c, bearer(rightToken(route)));
      assert.equal(r.status, c.ok, `${route} with the right token: ${r.status} ${r.text}`);
    }
    const listed = await rest(REST_CASES.listApps, bearer(shop.token));
    const visible = (JSON.parse(listed.text) as { apps: { name: string }[] }).apps.map((a) => a.name).sort();
    assert.deepEqual(visible, [DEPLOY_APP, APP], 'a token lists the applications it has a right on');
  });

  it('gRPC: no token or a forged one → UNAUTHENTICATED, another application’s token → PERMISSION_DENIED, the right one → served', async () => {
    // A well-formed token of a real id whose secret is wrong: refused like no token at all.
    const forged = bearer(`praas_shop.${'A'.repeat(43)}`);
    for (const method of Object.keys(GRPC_CASES) as GrpcMethod[]) {
      const route = GRPC_METHOD_ROUTES[method];
      const open = route === 'health';
      for (const [label, authorization] of [
        ['no token', undefined],
        ['a forged token', forged],
      ] as const) {
        const refused = await grpcCall(method, authorization);
        if (open) {
          assert.equal(refused, undefined, `${method} with ${label}: it is open`);
          continue;
        }
        assert.equal(
          refused?.code,
          status.UNAUTHENTICATED,
          `${method} with ${label}: ${refused?.code} ${refused?.details}`,
        );
        // Refused for the token itself, not for how it was sent.
        if (authorization === forged) assert.match(refused?.details ?? '', /the token is not valid/);
      }
      if (ADMIN_ONLY.includes(route)) {
        const own = await grpcCall(method, bearer(shop.token));
        assert.equal(own?.code, status.PERMISSION_DENIED, `${method} with the shop's own token: ${own?.details}`);
        assert.match(own?.details ?? '', /needs the scope 'admin'/);
      }
      const other = await grpcCall(method, bearer(bank.token));
      if (open || route === 'listApps') assert.equal(other, undefined, `${method} with bank's token`);
      else
        assert.equal(
          other?.code,
          status.PERMISSION_DENIED,
          `${method} with bank's token: ${other?.code} ${other?.details}`,
        );
    }
    for (const method of Object.keys(GRPC_CASES) as GrpcMethod[]) {
      const served = await grpcCall(method, bearer(rightToken(GRPC_METHOD_ROUTES[method])));
      assert.equal(served, undefined, `${method} with the right token: ${served?.code} ${served?.details}`);
    }
  });

  it("refuses a bundle with '../' paths before any host unpacks it, and stores nothing", async () => {
    for (const path of ['../evil.js', 'dist/../../evil.js', '/etc/evil.js']) {
      const r = await http(gateway.httpUrl, 'PUT', `/v1/apps/${DEPLOY_APP}/versions`, {
        raw: craftedBundle(DEPLOY_APP, path),
        headers: { authorization: bearer(shop.token), 'content-type': 'application/octet-stream' },
      });
      assert.equal(r.status, 400, `${path}: ${r.status} ${r.text}`);
      assert.match(r.text, /unsafe path/);
    }
    const app = await http(gateway.httpUrl, 'GET', `/v1/apps/${DEPLOY_APP}`, {
      headers: { authorization: gateway.authorization },
    });
    assert.equal((JSON.parse(app.text) as { version?: number }).version, 2, 'only the two valid deployments count');
  });
});
