import {
  AlreadyExistsError,
  ApplicationNotFoundError,
  DataPlaneClient,
  decode,
  decodeReply,
  decodeWire,
  encode,
  encodeWire,
  fromWireError,
  hostSubject,
  InvalidArgumentError,
  NoRespondersError,
  newId,
  normalizeKey,
  ProcessClassNotFoundError,
  ProcessNotFoundError,
  processSubject,
  UnavailableError,
  unwrapReply,
  validateName,
  type AppInfo,
  type AppRecord,
  type ClientInvokeOptions,
  type ControlOp,
  type ControlPlaneApi,
  type ControlRequest,
  type CreateAppOptions,
  type CreateProcessOptions,
  type HostRecord,
  type ProcessInfo,
  type ProcessRecord,
  type ProcessWatchEvent,
  type Registry,
  type Subscription,
  type Transport,
} from '@praas/framework';
import { HOST_STALE_MS, pickLeastLoaded } from '../placement/least-loaded';
import type { HostProvider } from '../provisioning/host-provider';

export interface ControlPlaneOptions {
  readonly transport: Transport;
  readonly registry: Registry;
  readonly provider: HostProvider;
  /** Timeout of control requests to hosts (default 60 000 ms: a swap of a large state takes a while). */
  readonly controlTimeoutMs?: number;
  /**
   * Hosts whose last heartbeat is older than this get no new processes (default HOST_STALE_MS,
   * 10 000 ms); give the hosts' PRAAS_HOST_STALE_MS, so a dead host is passed over as soon as
   * the hosts themselves take its processes over.
   */
  readonly hostStaleMs?: number;
}

/** Statuses in which a process occupies its host. */
const HELD_STATUSES: ReadonlySet<string> = new Set(['active', 'swapping-in', 'swapping-out']);

function toInfo(record: ProcessRecord): ProcessInfo {
  return {
    app: record.app,
    pid: record.pid,
    processClass: record.processClass,
    status: record.status,
    address: processSubject(record.app, record.pid),
    generation: record.generation,
    ...(record.host === undefined ? {} : { host: record.host }),
  };
}

function toAppInfo(record: AppRecord): AppInfo {
  return { name: record.name, processClasses: [...record.processClasses], createdAt: record.createdAt };
}

/**
 * The control plane (DESIGN §4): applications, processes, placement on runtime hosts, and the
 * FaaS-compatible invoke. It keeps no state of its own; everything lives in the registry, so
 * several instances can serve side by side. REST, gRPC and the embedded mode all call this.
 */
export class ControlPlane implements ControlPlaneApi {
  private readonly clients = new Map<string, DataPlaneClient>();
  /** This control plane's identity as a message sender, and its per-receiver sequence numbers. */
  private readonly senderId = `client:${newId().slice(0, 8)}`;
  private readonly epoch = newId();
  private readonly seq = new Map<string, number>();
  private readonly controlTimeoutMs: number;

  constructor(private readonly options: ControlPlaneOptions) {
    this.controlTimeoutMs = options.controlTimeoutMs ?? 60_000;
  }

  async createApp(name: string, options: CreateAppOptions = {}): Promise<AppInfo> {
    validateName('application', name);
    options.processClasses?.forEach((c) => validateName('process class', c));
    if (await this.options.registry.getApp(name)) throw new AlreadyExistsError('application', name);
    const draft: AppRecord = { name, createdAt: Date.now(), processClasses: [...(options.processClasses ?? [])] };
    await this.options.provider.ensureHosts(draft);
    const classes = options.processClasses ?? (await this.options.provider.knownProcessClasses(name));
    const record: AppRecord = { ...draft, processClasses: [...classes] };
    await this.options.registry.putApp(record);
    return toAppInfo(record);
  }

  async listApps(): Promise<AppInfo[]> {
    return (await this.options.registry.listApps()).map(toAppInfo);
  }

  async getApp(name: string): Promise<AppInfo> {
    return toAppInfo(await this.app(name));
  }

  async deleteApp(name: string): Promise<void> {
    await this.app(name);
    for (const p of await this.options.registry.listProcesses(name)) await this.deleteProcess(name, p.pid);
    await this.options.provider.releaseHosts(name);
    await this.options.registry.deleteApp(name);
    this.clients.delete(name);
  }

  async createProcess(appName: string, options: CreateProcessOptions = {}): Promise<ProcessInfo> {
    const app = await this.app(appName);
    if (options.pid !== undefined) {
      validateName('pid', options.pid);
      const existing = await this.options.registry.getProcess(appName, options.pid);
      if (existing && existing.status !== 'deleted') {
        if (existing.status === 'active') throw new AlreadyExistsError('process', options.pid);
        // The pid names a swapped-out (or failed) process: bring it back from its swapped state.
        await this.client(appName).activate(options.pid);
        return this.getProcess(appName, options.pid);
      }
    }
    const processClass = this.chooseClass(app, options.processClass);
    const pid = options.pid ?? `${processClass.toLowerCase()}-${newId().slice(0, 8)}`;
    return this.controlOnPlacedHost<ProcessInfo>(app, { op: 'create', app: appName, pid, processClass });
  }

  async listProcesses(app: string): Promise<ProcessInfo[]> {
    await this.app(app);
    return (await this.options.registry.listProcesses(app)).map(toInfo);
  }

  async getProcess(app: string, pid: string): Promise<ProcessInfo> {
    return toInfo(await this.process(app, pid));
  }

  async swapProcess(app: string, pid: string): Promise<ProcessInfo> {
    const record = await this.process(app, pid);
    if (record.status !== 'active' || record.host === undefined) return toInfo(record);
    return this.control<ProcessInfo>(hostSubject(app, record.host), { op: 'swap', app, pid });
  }

  async deleteProcess(app: string, pid: string): Promise<void> {
    const record = await this.process(app, pid);
    const holder = record.status === 'active' ? record.host : undefined;
    await this.controlOnPlacedHost(await this.app(app), { op: 'delete', app, pid }, holder);
  }

  async invoke<R = unknown>(app: string, fn: string, data?: unknown, options: ClientInvokeOptions = {}): Promise<R> {
    // Checking the application first answers an unknown one as such, and keeps the per-application
    // client cache from growing with names that callers made up.
    await this.app(app);
    validateName('function', fn);
    const key = options.key === undefined ? undefined : normalizeKey('message key', options.key);
    const pid = options.pid ?? (await this.pickProcess(app));
    const reply = await this.client(app).invoke(
      pid,
      {
        t: 'inv',
        id: newId(),
        from: this.senderId,
        fn,
        ...(key === undefined ? {} : { key }),
        data: encode(data, `argument of '${fn}'`),
      },
      options.timeoutMs,
    );
    const bytes = unwrapReply(reply);
    return (bytes === undefined ? undefined : decode(bytes, `result of '${fn}'`)) as R;
  }

  async send(app: string, pid: string, key: string | number, data: unknown): Promise<void> {
    await this.app(app);
    validateName('pid', pid);
    const messageKey = normalizeKey('message key', key);
    const bytes = encode(data, `message '${messageKey}'`);
    const seqKey = `${app}/${pid}`;
    const seq = (this.seq.get(seqKey) ?? 0) + 1;
    this.seq.set(seqKey, seq);
    await this.client(app).send(pid, {
      t: 'msg',
      id: newId(),
      from: this.senderId,
      epoch: this.epoch,
      seq,
      key: messageKey,
      data: bytes,
    });
  }

  /**
   * Calls `listener` for every change of the application's processes (created, status changed,
   * deleted) until the returned subscription is ended. Resolves once the watch is in place.
   * @throws ApplicationNotFoundError when the application does not exist.
   */
  async watchProcesses(app: string, listener: (event: ProcessWatchEvent) => void): Promise<Subscription> {
    await this.app(app);
    return this.options.registry.watchProcesses(app, (event) =>
      listener({ type: event.type, process: toInfo(event.record) }),
    );
  }

  /** FaaS-style routing without a pid: an active process, else a swapped one, else a new one. */
  private async pickProcess(app: string): Promise<string> {
    const processes = await this.options.registry.listProcesses(app);
    const active = processes.filter((p) => p.status === 'active');
    const pool = active.length ? active : processes.filter((p) => p.status === 'swapped');
    if (pool.length) return pool[Math.floor(Math.random() * pool.length)]!.pid;
    return (await this.createProcess(app)).pid;
  }

  private chooseClass(app: AppRecord, requested: string | undefined): string {
    if (requested !== undefined) {
      validateName('process class', requested);
      if (!app.processClasses.includes(requested))
        throw new ProcessClassNotFoundError(app.name, requested, app.processClasses);
      return requested;
    }
    if (app.processClasses.length === 1) return app.processClasses[0]!;
    throw new InvalidArgumentError(
      `application '${app.name}' has ${app.processClasses.length} process classes; say which one: ${app.processClasses.join(', ')}`,
      { available: [...app.processClasses] },
    );
  }

  /**
   * Sends a control request to `first`, else to a host chosen by placement. A host nobody serves
   * any more (it died, and its heartbeat is not stale yet) is passed over for the next one.
   */
  private async controlOnPlacedHost<T>(
    app: AppRecord,
    request: ControlRequest & { op: ControlOp },
    first?: string,
  ): Promise<T> {
    const passedOver = new Set<string>();
    for (let host = first ?? (await this.placeFor(app, passedOver)); ; host = await this.placeFor(app, passedOver)) {
      try {
        return await this.control<T>(hostSubject(app.name, host), request);
      } catch (e) {
        if (!(e instanceof NoRespondersError)) throw e;
        passedOver.add(host);
      }
    }
  }

  private async placeFor(app: AppRecord, passedOver: ReadonlySet<string> = new Set()): Promise<string> {
    let host = await this.leastLoaded(app.name, passedOver);
    if (!host) {
      await this.options.provider.ensureHosts(app);
      host = await this.leastLoaded(app.name, passedOver);
    }
    if (!host)
      throw new UnavailableError(`no runtime host serves application '${app.name}'`, { details: { app: app.name } });
    return host.id;
  }

  /**
   * The live host holding the fewest processes. The load is counted from the process records, which
   * a host writes before it answers a create, not from the heartbeat's count, which lags by up to
   * a heartbeat interval: creates in quick succession would otherwise all land on one host.
   */
  private async leastLoaded(app: string, passedOver: ReadonlySet<string>): Promise<HostRecord | undefined> {
    const [hosts, processes] = await Promise.all([
      this.options.registry.listHosts(app),
      this.options.registry.listProcesses(app),
    ]);
    const held = new Map<string, number>();
    for (const p of processes)
      if (p.host !== undefined && HELD_STATUSES.has(p.status)) held.set(p.host, (held.get(p.host) ?? 0) + 1);
    return pickLeastLoaded(
      hosts.filter((h) => !passedOver.has(h.id)).map((h) => ({ ...h, activeProcesses: held.get(h.id) ?? 0 })),
      Date.now(),
      this.options.hostStaleMs ?? HOST_STALE_MS,
    );
  }

  private async app(name: string): Promise<AppRecord> {
    validateName('application', name);
    const app = await this.options.registry.getApp(name);
    if (!app) throw new ApplicationNotFoundError(name);
    return app;
  }

  private async process(app: string, pid: string): Promise<ProcessRecord> {
    await this.app(app);
    validateName('pid', pid);
    const record = await this.options.registry.getProcess(app, pid);
    if (!record || record.status === 'deleted') throw new ProcessNotFoundError(app, pid);
    return record;
  }

  private client(app: string): DataPlaneClient {
    let client = this.clients.get(app);
    if (!client)
      this.clients.set(app, (client = new DataPlaneClient(this.options.transport, this.options.registry, app)));
    return client;
  }

  private async control<T>(subject: string, request: ControlRequest & { op: ControlOp }): Promise<T> {
    const reply = decodeReply(
      await this.options.transport.request(subject, encodeWire(request), { timeoutMs: this.controlTimeoutMs }),
    );
    if (!reply.ok) throw fromWireError(reply.error);
    return (reply.data === undefined ? undefined : decodeWire<object>(reply.data, 'control reply')) as T;
  }
}
