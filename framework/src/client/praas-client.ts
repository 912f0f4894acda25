import type {
  AppInfo,
  ClientInvokeOptions,
  ControlPlaneApi,
  CreateAppOptions,
  CreateProcessOptions,
  DeployOptions,
  ProcessInfo,
  ProcessInfoPage,
  ProcessWatchEvent,
  VersionsReport,
} from '../api/control-plane';
import type { InspectOptions, ProcessInspection } from '../api/inspection';
import { MAX_PAGE_LIMIT, type ProcessPageQuery } from '../registry/registry';
import { DEFAULT_INVOKE_TIMEOUT_MS } from '../transport/data-plane-client';
import type { TimerDetailsPage, TimerListQuery } from '../timers/timer-details';
import type { Subscription } from '../transport/transport';
import { encode } from '../wire/codec';
import { validateName } from '../wire/names';
import { ClientDataPlane, type DataPlaneAccess } from './client-data-plane';
import { GatewayHttp, MSGPACK_TYPE, type GatewayRequest } from './gateway-http';
import { watchProcessEvents, type WatchOptions } from './process-watch';

export type { DataPlaneAccess } from './client-data-plane';
export type { WatchOptions } from './process-watch';

export interface PraasClientOptions {
  /** Base URL of a gateway's REST API, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** Extra headers on every request (e.g. authorization added by a proxy in front of the gateway). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The bearer token the gateway checks (DESIGN §8a), sent as `Authorization: Bearer <token>`;
   * create one with `praas-framework gateway token create`. Without it, only an open gateway answers.
   */
  readonly token?: string;
  /**
   * The certificate authority of the gateway's TLS certificate (an `https:` URL signed by a CA the
   * system does not trust, e.g. self-signed): PEM text or bytes, or the path of a PEM file.
   */
  readonly ca?: string | Uint8Array;
  /** How long a control-plane call may take (default 90 000 ms: a swap of a large state takes a while). */
  readonly requestTimeoutMs?: number;
  /**
   * When given, invocations with a `pid` and messages go straight to the process over this
   * transport (DESIGN §3: the gateway is never on the data-plane path). Without it, or for an
   * invoke without a pid, calls go through the gateway. Invoke arguments and results travel in
   * the binary codec either way (with the gateway as `application/msgpack`), so they keep their
   * types (Date, Map, bigint, typed arrays) as in the embedded API; messages sent through the
   * gateway travel as JSON (see the gateway README).
   */
  readonly dataPlane?: DataPlaneAccess;
  /**
   * How invoke arguments and results travel through the gateway: `'msgpack'` (the default) in
   * the framework codec, so results are the values the embedded API returns; `'json'` in the
   * gateway's JSON mapping (Dates as ISO strings, Maps as pairs, bigints as strings), for tools
   * that print JSON, such as the CLI.
   */
  readonly gatewayEncoding?: 'msgpack' | 'json';
}

/** How long a rolling deploy (or a versions census) may take before the client gives up. */
const ROLLING_DEPLOY_TIMEOUT_MS = 30 * 60_000;

/** Time the client grants the gateway on top of an invocation's own timeout. */
const GATEWAY_MARGIN_MS = 10_000;

/**
 * The control-plane API of a remote gateway, over its REST API: the same `ControlPlaneApi` that
 * the embedded mode offers in process, so one piece of user code runs against either. Errors
 * are rebuilt from the gateway's `{ error: { code, message, details } }` as the classes the
 * server raised (`ApplicationNotFoundError`, `FunctionError`, ...).
 * @example
 * ```ts
 * const praas = new PraasClient({ url: 'http://127.0.0.1:8080' });
 * await praas.createApp('demo');
 * const { pid } = await praas.createProcess('demo');
 * const total = await praas.invoke<number>('demo', 'add', 2, { pid });
 * ```
 */
export class PraasClient implements ControlPlaneApi {
  private readonly http: GatewayHttp;
  /** The path around the gateway, when the options give data-plane access. */
  private readonly dataPlane: ClientDataPlane | undefined;

  constructor(private readonly options: PraasClientOptions) {
    this.http = new GatewayHttp({
      url: options.url,
      headers: {
        ...options.headers,
        ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      },
      ...(options.ca === undefined ? {} : { ca: options.ca }),
      requestTimeoutMs: options.requestTimeoutMs ?? 90_000,
    });
    this.dataPlane = options.dataPlane && new ClientDataPlane(options.dataPlane);
  }

  createApp(name: string, options: CreateAppOptions = {}): Promise<AppInfo> {
    return this.call<AppInfo>('POST', ['v1', 'apps'], { json: { name, ...options } });
  }

  async listApps(): Promise<AppInfo[]> {
    return (await this.call<{ apps: AppInfo[] }>('GET', ['v1', 'apps'])).apps;
  }

  getApp(name: string): Promise<AppInfo> {
    return this.call<AppInfo>('GET', ['v1', 'apps', name]);
  }

  async deleteApp(name: string): Promise<void> {
    await this.call('DELETE', ['v1', 'apps', name]);
  }

  /**
   * Uploads a code bundle (`packBundle`) as the application's next version; the gateway creates
   * the application when it is missing. Runtime hosts started without a module pick it up.
   * `options.upgrade` says how existing processes move to it (default `idle`); a `rolling` deploy
   * answers once every process it moved is back (the request may take minutes: no client timeout
   * short of 30 minutes applies to it).
   * @returns the application with its new `version`, and `upgrade`: what happened to the processes.
   */
  deployVersion(app: string, bundle: Uint8Array, options: DeployOptions = {}): Promise<AppInfo> {
    const query = new URLSearchParams();
    if (options.upgrade !== undefined) query.set('upgrade', options.upgrade);
    if (options.wave !== undefined) query.set('wave', String(options.wave));
    return this.call<AppInfo>('PUT', ['v1', 'apps', app, 'versions'], {
      bytes: bundle,
      contentType: 'application/octet-stream',
      query,
      ...(options.upgrade === 'rolling' ? { timeoutMs: ROLLING_DEPLOY_TIMEOUT_MS } : {}),
    });
  }

  /** Which processes run which code and state version (the gateway pages through every process record). */
  listVersions(app: string): Promise<VersionsReport> {
    return this.call<VersionsReport>('GET', ['v1', 'apps', app, 'versions'], { timeoutMs: ROLLING_DEPLOY_TIMEOUT_MS });
  }

  createProcess(app: string, options: CreateProcessOptions = {}): Promise<ProcessInfo> {
    const body = {
      ...(options.processClass === undefined ? {} : { class: options.processClass }),
      ...(options.pid === undefined ? {} : { pid: options.pid }),
    };
    return this.call<ProcessInfo>('POST', ['v1', 'apps', app, 'processes'], { json: body });
  }

  /** Every process of the application, read page after page (1,000 a page): O(processes). */
  async listProcesses(app: string): Promise<ProcessInfo[]> {
    const all: ProcessInfo[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.listProcessPage(app, {
        limit: MAX_PAGE_LIMIT,
        ...(cursor === undefined ? {} : { cursor }),
      });
      all.push(...page.processes);
      cursor = page.cursor;
    } while (cursor !== undefined);
    return all;
  }

  /** One page of the application's processes (`GET /v1/apps/{app}/processes?limit=&cursor=&status=&class=&host=`). */
  listProcessPage(app: string, query: ProcessPageQuery = {}): Promise<ProcessInfoPage> {
    const params = new URLSearchParams();
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    if (query.cursor !== undefined) params.set('cursor', query.cursor);
    if (query.status !== undefined) params.set('status', query.status);
    if (query.processClass !== undefined) params.set('class', query.processClass);
    if (query.host !== undefined) params.set('host', query.host);
    return this.call<ProcessInfoPage>('GET', ['v1', 'apps', app, 'processes'], { query: params });
  }

  getProcess(app: string, pid: string): Promise<ProcessInfo> {
    return this.call<ProcessInfo>('GET', ['v1', 'apps', app, 'processes', pid]);
  }

  swapProcess(app: string, pid: string): Promise<ProcessInfo> {
    return this.call<ProcessInfo>('POST', ['v1', 'apps', app, 'processes', pid, 'swap']);
  }

  /**
   * A process's state (`GET /v1/apps/{app}/processes/{pid}/state`): @State fields, keyed state,
   * mailbox depth and head, pending trigger accumulations; read from its newest committed
   * snapshot when it is swapped out, without swapping it in. Needs an admin token (403
   * `PERMISSION_DENIED` for any other).
   */
  inspectProcess(app: string, pid: string, options: InspectOptions = {}): Promise<ProcessInspection> {
    const query = new URLSearchParams(options.maxChars === undefined ? {} : { maxChars: String(options.maxChars) });
    return this.call<ProcessInspection>('GET', ['v1', 'apps', app, 'processes', pid, 'state'], { query });
  }

  /**
   * One page of the application's durable timers, or with `pid` of one process's
   * (`GET /v1/apps/{app}/timers`, `GET /v1/apps/{app}/processes/{pid}/timers`), in the order of
   * their last change; `cursor` gives the next page. Each shows its schedule, next due time,
   * attempts and lease, and its payload only by size.
   */
  listTimers(app: string, query: TimerListQuery & { readonly pid?: string } = {}): Promise<TimerDetailsPage> {
    const params = new URLSearchParams();
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    if (query.cursor !== undefined) params.set('cursor', query.cursor);
    const path =
      query.pid === undefined ? ['v1', 'apps', app, 'timers'] : ['v1', 'apps', app, 'processes', query.pid, 'timers'];
    return this.call<TimerDetailsPage>('GET', path, { query: params });
  }

  /**
   * Cancels a durable timer of a process (`DELETE /v1/apps/{app}/processes/{pid}/timers/{id}`).
   * @throws TimerNotFoundError when the process has no such timer (cancelled, or a one-shot that fired).
   */
  async cancelTimer(app: string, pid: string, id: string): Promise<void> {
    await this.call('DELETE', ['v1', 'apps', app, 'processes', pid, 'timers', id]);
  }

  async deleteProcess(app: string, pid: string): Promise<void> {
    await this.call('DELETE', ['v1', 'apps', app, 'processes', pid]);
  }

  async invoke<R = unknown>(app: string, fn: string, data?: unknown, options: ClientInvokeOptions = {}): Promise<R> {
    if (this.dataPlane && options.pid !== undefined) return this.dataPlane.invoke<R>(app, fn, data, options);
    const query = new URLSearchParams();
    if (options.pid !== undefined) query.set('pid', options.pid);
    if (options.processClass !== undefined) query.set('class', options.processClass);
    if (options.key !== undefined) query.set('key', String(options.key));
    if (options.timeoutMs !== undefined) query.set('timeoutMs', String(options.timeoutMs));
    const timeoutMs = (options.timeoutMs ?? DEFAULT_INVOKE_TIMEOUT_MS) + GATEWAY_MARGIN_MS;
    const path = ['v1', 'apps', app, 'invoke', fn];
    const headers: Record<string, string> = {};
    if (options.idempotencyKey !== undefined)
      headers['idempotency-key'] = validateName('idempotency key', options.idempotencyKey);
    if (this.options.gatewayEncoding === 'json')
      return this.call<R>('POST', path, { query, json: data, what: `argument of '${fn}'`, timeoutMs, headers });
    return this.call<R>('POST', path, {
      query,
      headers,
      // The framework codec both ways, so the result is the value the embedded API returns.
      ...(data === undefined ? {} : { bytes: encode(data, `argument of '${fn}'`), contentType: MSGPACK_TYPE }),
      accept: MSGPACK_TYPE,
      what: `result of '${fn}'`,
      timeoutMs,
    });
  }

  async send(app: string, pid: string, key: string | number, data: unknown): Promise<void> {
    if (this.dataPlane) return this.dataPlane.send(app, pid, key, data);
    await this.call('POST', ['v1', 'apps', app, 'processes', pid, 'messages'], {
      json: { key, data },
      what: `message '${key}'`,
    });
  }

  /**
   * Calls `listener` for the application's processes, from the gateway's event stream, until the
   * returned subscription is ended: a snapshot of the current ones (or, with `afterRevision`, what
   * changed since), then every change. Resolves once the watch is in place. After the stream
   * broke (`onEnd`), watch again with `afterRevision` set to the `revision` of the last event.
   * @throws ApplicationNotFoundError when the application does not exist.
   */
  watchProcesses(
    app: string,
    listener: (event: ProcessWatchEvent) => void,
    options: WatchOptions = {},
  ): Promise<Subscription> {
    return watchProcessEvents(this.http, app, listener, options);
  }

  /**
   * Closes the direct connections to hosts, if the client opened any (`dataPlane.direct`); the
   * transport and registry given in the options stay open. The client can still be used after
   * (over the gateway, or opening new connections).
   */
  async close(): Promise<void> {
    await this.dataPlane?.close();
  }

  private call<T>(method: string, segments: string[], options: GatewayRequest = {}): Promise<T> {
    return this.http.call<T>(method, segments, options);
  }
}
