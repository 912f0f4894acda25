import type {
  AppInfo,
  ClientInvokeOptions,
  ControlPlaneApi,
  CreateAppOptions,
  CreateProcessOptions,
  ProcessInfo,
  ProcessWatchEvent,
  ProcessWatchOptions,
} from '../api/control-plane';
import {
  DecodeError,
  EncodeError,
  fromWireError,
  PraasError,
  TimeoutError,
  UnavailableError,
  type WireError,
} from '../errors';
import type { Registry } from '../registry/registry';
import { DataPlaneClient, DEFAULT_INVOKE_TIMEOUT_MS, unwrapReply } from '../transport/data-plane-client';
import { DirectTransport } from '../transport/direct/direct-transport';
import { RegistryRoutes } from '../transport/direct/registry-routes';
import { receiverKey, SequencedSender } from '../transport/sequenced-sender';
import type { Subscription, Transport } from '../transport/transport';
import { decode, encode } from '../wire/codec';
import { newId } from '../wire/ids';
import { normalizeKey, validateName } from '../wire/names';
import { SseParser } from './sse-parser';

/** The media type in which invoke arguments and results travel in the framework codec (the gateway's content negotiation). */
const MSGPACK_TYPE = 'application/msgpack';

/** Direct access to the data plane: the transport processes listen on, and the registry it shares. */
export interface DataPlaneAccess {
  readonly transport: Transport;
  readonly registry: Registry;
  /**
   * Reach processes over direct connections to their hosts' data ports (DESIGN §5a), routed by the
   * registry, with `transport` as the fallback (default false: every call over `transport`). The
   * hosts' advertised addresses must be reachable from here; call {@link PraasClient.close} when done.
   */
  readonly direct?: boolean;
}

export interface PraasClientOptions {
  /** Base URL of a gateway's REST API, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** Extra headers on every request (e.g. authorization added by a proxy in front of the gateway). */
  readonly headers?: Readonly<Record<string, string>>;
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

/**
 * Options of {@link PraasClient.watchProcesses}: where the watch starts (a snapshot, or after the
 * `revision` of the last event seen, sent as `Last-Event-ID`), and how it ends.
 */
export interface WatchOptions extends ProcessWatchOptions {
  /** Called once when the watch ends other than by `unsubscribe` (the gateway stopped, the connection broke). */
  readonly onEnd?: (error?: Error) => void;
}

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
  private readonly base: string;
  private readonly requestTimeoutMs: number;
  private readonly dataPlanes = new Map<string, DataPlaneClient>();
  private direct: DirectTransport | undefined;
  /** This client's identity as a sender and the numbering of its messages. */
  private readonly sender = new SequencedSender(`client:${newId().slice(0, 8)}`);

  constructor(private readonly options: PraasClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.requestTimeoutMs = options.requestTimeoutMs ?? 90_000;
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
   * @returns the application with its new `version`.
   */
  deployVersion(app: string, bundle: Uint8Array): Promise<AppInfo> {
    return this.call<AppInfo>('PUT', ['v1', 'apps', app, 'versions'], {
      bytes: bundle,
      contentType: 'application/octet-stream',
    });
  }

  createProcess(app: string, options: CreateProcessOptions = {}): Promise<ProcessInfo> {
    const body = {
      ...(options.processClass === undefined ? {} : { class: options.processClass }),
      ...(options.pid === undefined ? {} : { pid: options.pid }),
    };
    return this.call<ProcessInfo>('POST', ['v1', 'apps', app, 'processes'], { json: body });
  }

  async listProcesses(app: string): Promise<ProcessInfo[]> {
    return (await this.call<{ processes: ProcessInfo[] }>('GET', ['v1', 'apps', app, 'processes'])).processes;
  }

  getProcess(app: string, pid: string): Promise<ProcessInfo> {
    return this.call<ProcessInfo>('GET', ['v1', 'apps', app, 'processes', pid]);
  }

  swapProcess(app: string, pid: string): Promise<ProcessInfo> {
    return this.call<ProcessInfo>('POST', ['v1', 'apps', app, 'processes', pid, 'swap']);
  }

  async deleteProcess(app: string, pid: string): Promise<void> {
    await this.call('DELETE', ['v1', 'apps', app, 'processes', pid]);
  }

  async invoke<R = unknown>(app: string, fn: string, data?: unknown, options: ClientInvokeOptions = {}): Promise<R> {
    if (this.options.dataPlane && options.pid !== undefined) return this.invokeDirect<R>(app, fn, data, options);
    const query = new URLSearchParams();
    if (options.pid !== undefined) query.set('pid', options.pid);
    if (options.processClass !== undefined) query.set('class', options.processClass);
    if (options.key !== undefined) query.set('key', String(options.key));
    if (options.timeoutMs !== undefined) query.set('timeoutMs', String(options.timeoutMs));
    const timeoutMs = (options.timeoutMs ?? DEFAULT_INVOKE_TIMEOUT_MS) + GATEWAY_MARGIN_MS;
    const path = ['v1', 'apps', app, 'invoke', fn];
    if (this.options.gatewayEncoding === 'json')
      return this.call<R>('POST', path, { query, json: data, what: `argument of '${fn}'`, timeoutMs });
    return this.call<R>('POST', path, {
      query,
      // The framework codec both ways, so the result is the value the embedded API returns.
      ...(data === undefined ? {} : { bytes: encode(data, `argument of '${fn}'`), contentType: MSGPACK_TYPE }),
      accept: MSGPACK_TYPE,
      what: `result of '${fn}'`,
      timeoutMs,
    });
  }

  async send(app: string, pid: string, key: string | number, data: unknown): Promise<void> {
    if (this.options.dataPlane) return this.sendDirect(app, pid, key, data);
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
  async watchProcesses(
    app: string,
    listener: (event: ProcessWatchEvent) => void,
    options: WatchOptions = {},
  ): Promise<Subscription> {
    const url = `${this.base}/v1/apps/${encodeURIComponent(app)}/watch`;
    const controller = new AbortController();
    let response: Response;
    try {
      const resume: Record<string, string> = options.afterRevision
        ? { 'last-event-id': String(options.afterRevision) }
        : {};
      response = await fetch(url, {
        headers: { accept: 'text/event-stream', ...resume, ...this.options.headers },
        signal: controller.signal,
      });
    } catch (e) {
      throw new UnavailableError(
        `cannot reach the gateway at ${this.base}: ${e instanceof Error ? e.message : String(e)}`,
        {
          cause: e,
          details: { url },
        },
      );
    }
    if (!response.ok || !response.body) throw errorFromResponse(response.status, await response.text());
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const parser = new SseParser(({ event, data }) => {
      if (event === 'put' || event === 'deleted') listener(JSON.parse(data) as ProcessWatchEvent);
      else if (event === 'snapshot') options.onSnapshot?.();
      else if (event === 'synced') options.onSynced?.();
    });
    let stopped = false;
    const pump = (async (): Promise<void> => {
      let failure: Error | undefined;
      try {
        for (;;) {
          const chunk = (await reader.read()) as { done: boolean; value?: Uint8Array };
          if (chunk.done) break;
          parser.feed(decoder.decode(chunk.value, { stream: true }));
        }
      } catch (e) {
        failure = e instanceof Error ? e : new Error(String(e));
      }
      if (!stopped) options.onEnd?.(failure);
    })();
    return {
      unsubscribe: async () => {
        stopped = true;
        controller.abort();
        await pump;
      },
    };
  }

  private async invokeDirect<R>(app: string, fn: string, data: unknown, options: ClientInvokeOptions): Promise<R> {
    validateName('function', fn);
    const key = options.key === undefined ? undefined : normalizeKey('message key', options.key);
    const reply = await this.dataPlane(app).invoke(
      validateName('pid', options.pid),
      this.sender.invocation(fn, encode(data, `argument of '${fn}'`), key === undefined ? {} : { key }),
      options.timeoutMs,
    );
    const bytes = unwrapReply(reply);
    return (bytes === undefined ? undefined : decode(bytes, `result of '${fn}'`)) as R;
  }

  private async sendDirect(app: string, pid: string, key: string | number, data: unknown): Promise<void> {
    validateName('pid', pid);
    const messageKey = normalizeKey('message key', key);
    const bytes = encode(data, `message '${messageKey}'`);
    await this.dataPlane(app).send(pid, this.sender.message(receiverKey(app, pid), messageKey, bytes));
  }

  private dataPlane(app: string): DataPlaneClient {
    const access = this.options.dataPlane!;
    let client = this.dataPlanes.get(app);
    if (!client) {
      let transport = access.transport;
      if (access.direct) {
        this.direct ??= new DirectTransport(access.transport, {
          from: this.sender.from,
          routes: new RegistryRoutes(access.registry),
          ownsInner: false,
        });
        transport = this.direct;
      }
      this.dataPlanes.set(app, (client = new DataPlaneClient(transport, access.registry, app)));
    }
    return client;
  }

  /**
   * Closes the direct connections to hosts, if the client opened any (`dataPlane.direct`); the
   * transport and registry given in the options stay open. The client can still be used after
   * (over the gateway, or opening new connections).
   */
  async close(): Promise<void> {
    const direct = this.direct;
    this.direct = undefined;
    this.dataPlanes.clear();
    await direct?.close();
  }

  private async call<T>(
    method: string,
    segments: string[],
    options: {
      json?: unknown;
      bytes?: Uint8Array;
      /** Media type of `bytes`. */
      contentType?: string;
      /** `application/msgpack`: the answer may come in the framework codec (errors stay JSON). */
      accept?: typeof MSGPACK_TYPE;
      query?: URLSearchParams;
      what?: string;
      timeoutMs?: number;
    } = {},
  ): Promise<T> {
    const query = options.query?.toString();
    const url = `${this.base}/${segments.map(encodeURIComponent).join('/')}${query ? `?${query}` : ''}`;
    const accept = options.accept ? `${options.accept}, application/json;q=0.5` : 'application/json';
    const headers: Record<string, string> = { accept, ...this.options.headers };
    let body: string | Uint8Array | undefined;
    if (options.bytes !== undefined) {
      body = options.bytes;
      headers['content-type'] = options.contentType ?? 'application/octet-stream';
    } else if (options.json !== undefined) {
      try {
        body = JSON.stringify(options.json);
      } catch (e) {
        throw new EncodeError(options.what ?? 'request body', `not representable as JSON: ${String(e)}`, e);
      }
      headers['content-type'] = 'application/json';
    }
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    let response: Response;
    let bytes: Uint8Array;
    try {
      response = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (e) {
      if (e instanceof Error && e.name === 'TimeoutError')
        throw new TimeoutError(`the gateway did not answer ${method} ${url} within ${timeoutMs} ms`, { url });
      throw new UnavailableError(
        `cannot reach the gateway at ${this.base}: ${e instanceof Error ? e.message : String(e)}`,
        {
          cause: e,
          details: { url },
        },
      );
    }
    const text = (): string => new TextDecoder().decode(bytes);
    if (!response.ok) throw errorFromResponse(response.status, text());
    if (bytes.byteLength === 0) return undefined as T;
    const type = response.headers.get('content-type')?.split(';', 1)[0]?.trim().toLowerCase();
    if (options.accept && type === options.accept)
      return decode<T>(bytes, options.what ?? `the answer to ${method} ${url}`);
    try {
      return JSON.parse(text()) as T;
    } catch (e) {
      throw new DecodeError(`the answer to ${method} ${url}`, 'not JSON; is the URL that of a PraaS gateway?', e);
    }
  }
}

/**
 * The error a gateway answered with, rebuilt as its class; a reply without one becomes
 * `UNEXPECTED_RESPONSE` with the status in `details.status`.
 */
function errorFromResponse(status: number, text: string): PraasError {
  try {
    const parsed = JSON.parse(text) as { error?: WireError };
    const e = parsed.error;
    if (e && typeof e.code === 'string' && typeof e.message === 'string') return fromWireError(e);
  } catch {
    // Not the gateway's error format (a proxy in between answered); fall through.
  }
  if (status === 502 || status === 503) return new UnavailableError(`the gateway answered HTTP ${status}`);
  if (status === 504) return new TimeoutError(`the gateway answered HTTP ${status}`);
  return new PraasError('UNEXPECTED_RESPONSE', `the gateway answered HTTP ${status}: ${text.slice(0, 200)}`, {
    details: { status },
  });
}
