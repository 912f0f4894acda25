import {
  AlreadyExistsError,
  ApplicationNotFoundError,
  bundleKey,
  CodeLoadFailedError,
  DataPlaneClient,
  decode,
  decodeReply,
  decodeWire,
  encode,
  encodeWire,
  fromWireError,
  FunctionNotFoundError,
  hostSubject,
  incarnationBundlePrefix,
  InvalidArgumentError,
  NoRespondersError,
  newId,
  normalizeKey,
  PraasError,
  ProcessClassNotFoundError,
  ProcessNotFoundError,
  processSubject,
  receiverKey,
  SequencedSender,
  UnavailableError,
  unpackBundle,
  unwrapReply,
  validateName,
  type AppInfo,
  type AppRecord,
  type ClientInvokeOptions,
  type CodeLoadFailure,
  type ControlOp,
  type ControlPlaneApi,
  type ControlRequest,
  type CreateAppOptions,
  type CreateProcessOptions,
  type HostRecord,
  type ProcessInfo,
  type ProcessRecord,
  type ProcessWatchEvent,
  type ProcessWatchOptions,
  type Registry,
  type Subscription,
  type Transport,
} from '@praas/framework';
import type { BundleStore } from '../bundles/bundle-store';
import { classForInvoke, functionsOf, recordedClasses } from './invoke-routing';
import { HOST_STALE_MS, pickLeastLoaded } from '../placement/least-loaded';
import type { HostProvider } from '../provisioning/host-provider';

export interface ControlPlaneOptions {
  readonly transport: Transport;
  readonly registry: Registry;
  readonly provider: HostProvider;
  /** Where deployed code bundles go (the hosts' object store); without it, deployments are refused. */
  readonly bundles?: BundleStore;
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
    ...(record.version === undefined ? {} : { version: record.version }),
  };
}

function toAppInfo(record: AppRecord, codeErrors: readonly CodeLoadFailure[] = []): AppInfo {
  return {
    name: record.name,
    processClasses: [...record.processClasses],
    createdAt: record.createdAt,
    ...(record.version === undefined ? {} : { version: record.version }),
    ...(codeErrors.length === 0 ? {} : { codeErrors: [...codeErrors] }),
  };
}

/** The error of a request that only hosts unable to load the application's code could serve. */
function codeLoadFailure(app: string, broken: readonly HostRecord[]): CodeLoadFailedError {
  const [newest] = [...broken].sort((a, b) => b.codeError!.version - a.codeError!.version || a.id.localeCompare(b.id));
  return new CodeLoadFailedError(app, newest!.codeError!.version, newest!.codeError!.message, newest!.id);
}

/** Where placement may put a request: hosts that can serve it, and live hosts that cannot load the newest code. */
interface Pick {
  readonly host?: HostRecord;
  readonly broken: readonly HostRecord[];
}

/**
 * The control plane (DESIGN §4): applications, processes, placement on runtime hosts, and the
 * FaaS-compatible invoke. It keeps no state of its own; everything lives in the registry, so
 * several instances can serve side by side. REST, gRPC and the embedded mode all call this.
 */
export class ControlPlane implements ControlPlaneApi {
  private readonly clients = new Map<string, DataPlaneClient>();
  /** This control plane's identity as a message sender, and its per-receiver sequence numbers. */
  private readonly sender = new SequencedSender(`client:${newId().slice(0, 8)}`);
  private readonly controlTimeoutMs: number;
  /** Creates this control plane sent to each host that the host has not answered yet. */
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly options: ControlPlaneOptions) {
    this.controlTimeoutMs = options.controlTimeoutMs ?? 60_000;
  }

  /**
   * Creates an application in the registry (DESIGN §4). It needs no runtime host: its classes are
   * `options.processClasses`, else those the application's live hosts report, else none yet; hosts
   * started with a module register theirs when they start, and a deployment brings its own. An
   * application that such a host created by registering is taken over (its classes replaced by
   * `options.processClasses` when given), so starting the hosts first and then creating the
   * application works as well as the other way round. The record keeps the function names of each
   * class that the live hosts or the registering host report, for invoke routing by function.
   * @throws AlreadyExistsError when an application of that name was created or deployed before.
   */
  async createApp(name: string, options: CreateAppOptions = {}): Promise<AppInfo> {
    validateName('application', name);
    options.processClasses?.forEach((c) => validateName('process class', c));
    const { registry } = this.options;
    for (;;) {
      const existing = await registry.getAppVersioned(name);
      const adopted = existing?.record;
      if (adopted && adopted.createdByHost === undefined) throw new AlreadyExistsError('application', name);
      const known = await this.options.provider.knownProcessClasses(name);
      const classes = options.processClasses ?? adopted?.processClasses ?? known.map((k) => k.name);
      const record: AppRecord = {
        name,
        incarnation: adopted?.incarnation ?? newId(),
        createdAt: adopted?.createdAt ?? Date.now(),
        processClasses: [...classes],
        // What the live hosts report now, else what the host that registered the application recorded.
        functions: { ...functionsOf(recordedClasses(adopted), classes), ...functionsOf(known, classes) },
      };
      if ((await registry.updateApp(record, existing?.revision ?? 0)) !== undefined) return toAppInfo(record);
      // A host registered, or someone else created it, in between: look again.
    }
  }

  /**
   * Records a new version of an application's code (DESIGN §7): checks the bundle, stores it under
   * `_bundles/<app>/<incarnation>/<version>` and makes it the application's newest version, N+1
   * after N, creating the application (a new incarnation, with the manifest's process classes)
   * when it is missing. It does not wait for runtime hosts: they poll the application record and
   * load the version when they see it. Processes keep the version they were created with; new ones
   * get the newest.
   * @throws DecodeError for bytes that are not a bundle; InvalidArgumentError when the bundle is of
   *   another application; UnavailableError when this gateway has no object store.
   */
  async deployVersion(name: string, bundle: Uint8Array): Promise<AppInfo> {
    validateName('application', name);
    const { bundles, registry } = this.options;
    if (!bundles) {
      throw new UnavailableError(
        'this gateway has no object store for code bundles; start it with PRAAS_S3_ENDPOINT, PRAAS_S3_ACCESS_KEY and PRAAS_S3_SECRET_KEY (those of the runtime hosts)',
      );
    }
    const { manifest } = unpackBundle(bundle);
    if (manifest.app !== name) {
      throw new InvalidArgumentError(`the bundle is of application '${manifest.app}', not '${name}'`, {
        app: name,
        bundleApp: manifest.app,
      });
    }
    const processClasses = manifest.processes.map((p) => validateName('process class', p.name));
    const functions = functionsOf(
      manifest.processes.map((p) =>
        p.functions ? { name: p.name, functions: p.functions.map((f) => f.name) } : { name: p.name },
      ),
      processClasses,
    );
    for (;;) {
      const existing = await registry.getAppVersioned(name);
      const current = existing?.record;
      const incarnation = current?.incarnation ?? newId();
      const version = (current?.version ?? 0) + 1;
      const key = bundleKey(name, incarnation, version);
      await bundles.put(key, bundle);
      const record: AppRecord = {
        name,
        incarnation,
        createdAt: current?.createdAt ?? Date.now(),
        processClasses,
        version,
        bundle: key,
        functions,
      };
      // Compare-and-set: a deletion in between must not be undone with the deleted incarnation.
      if ((await registry.updateApp(record, existing?.revision ?? 0)) !== undefined) return toAppInfo(record);
    }
  }

  async listApps(): Promise<AppInfo[]> {
    return Promise.all((await this.options.registry.listApps()).map((record) => this.appInfo(record)));
  }

  async getApp(name: string): Promise<AppInfo> {
    return this.appInfo(await this.app(name));
  }

  /**
   * Deletes an application for good: its processes with their swapped state, its record, and the
   * code bundles of its incarnation. A later application of the same name is a new incarnation and
   * shares nothing with it; runtime hosts drop the code they loaded of this one when they see that.
   * @throws UnavailableError, before anything is deleted, when the application has deployed code
   *   and this gateway has no object store to delete it from.
   */
  async deleteApp(name: string): Promise<void> {
    const app = await this.app(name);
    const { bundles, registry } = this.options;
    if (app.version !== undefined && !bundles) {
      throw new UnavailableError(
        `application '${name}' has deployed code, which this gateway cannot delete: it has no object store; ` +
          'delete it through a gateway started with PRAAS_S3_ENDPOINT, PRAAS_S3_ACCESS_KEY and PRAAS_S3_SECRET_KEY',
        { details: { app: name } },
      );
    }
    for (const p of await registry.listProcesses(name)) await this.deleteProcess(name, p.pid);
    await this.options.provider.releaseHosts(name);
    await registry.deleteApp(name);
    this.clients.delete(name);
    // After the record: from here on no host loads a version of this incarnation any more.
    if (bundles) await bundles.deletePrefix(incarnationBundlePrefix(name, app.incarnation));
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
    return this.controlOnPlacedHost<ProcessInfo>(app, {
      op: 'create',
      app: appName,
      pid,
      processClass,
      incarnation: app.incarnation,
    });
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
    if (options.pid !== undefined) await this.knownApp(app);
    else validateName('application', app);
    validateName('function', fn);
    if (options.pid !== undefined && options.processClass !== undefined) {
      throw new InvalidArgumentError(
        `give a pid or a process class to invoke '${fn}', not both: the pid already names the process and its class`,
        { pid: options.pid, processClass: options.processClass },
      );
    }
    const key = options.key === undefined ? undefined : normalizeKey('message key', options.key);
    const pid = options.pid ?? (await this.pickProcess(app, fn, options.processClass));
    const reply = await this.client(app).invoke(
      pid,
      this.sender.invocation(fn, encode(data, `argument of '${fn}'`), key === undefined ? {} : { key }),
      options.timeoutMs,
    );
    const bytes = unwrapReply(reply);
    return (bytes === undefined ? undefined : decode(bytes, `result of '${fn}'`)) as R;
  }

  async send(app: string, pid: string, key: string | number, data: unknown): Promise<void> {
    await this.knownApp(app);
    validateName('pid', pid);
    const messageKey = normalizeKey('message key', key);
    const bytes = encode(data, `message '${messageKey}'`);
    await this.client(app).send(pid, this.sender.message(receiverKey(app, pid), messageKey, bytes));
  }

  /**
   * Calls `listener` for the application's processes until the returned subscription is ended:
   * first a snapshot of the current ones (or, with `afterRevision`, what changed since), then
   * every change (created, status changed, deleted). Resolves once the watch is in place.
   * @throws ApplicationNotFoundError when the application does not exist; InvalidArgumentError
   *   for an `afterRevision` that is not a non-negative integer.
   */
  async watchProcesses(
    app: string,
    listener: (event: ProcessWatchEvent) => void,
    options: ProcessWatchOptions = {},
  ): Promise<Subscription> {
    await this.app(app);
    const after = options.afterRevision;
    if (after !== undefined && (!Number.isSafeInteger(after) || after < 0))
      throw new InvalidArgumentError(`afterRevision must be a non-negative integer, got ${String(after)}`, {
        afterRevision: after,
      });
    return this.options.registry.watchProcesses(
      app,
      (event) =>
        listener({
          type: event.type,
          // Registries differ in the record a deletion carries; the watch says 'deleted' either way.
          process: event.type === 'deleted' ? { ...toInfo(event.record), status: 'deleted' } : toInfo(event.record),
          revision: event.revision,
        }),
      {
        replay: after === undefined || after === 0 ? 'snapshot' : { afterRevision: after },
        ...(options.onSnapshot ? { onSnapshot: options.onSnapshot } : {}),
        ...(options.onSynced ? { onSynced: options.onSynced } : {}),
      },
    );
  }

  /**
   * FaaS-style routing without a pid: a process of the class that has the function (or the class
   * the caller named), active if there is one, else swapped, else a new one.
   */
  private async pickProcess(appName: string, fn: string, requested: string | undefined): Promise<string> {
    const processClass = await this.classForInvoke(await this.app(appName), fn, requested);
    const processes = (await this.options.registry.listProcesses(appName)).filter(
      (p) => p.processClass === processClass,
    );
    const active = processes.filter((p) => p.status === 'active');
    const pool = active.length ? active : processes.filter((p) => p.status === 'swapped');
    if (pool.length) return pool[Math.floor(Math.random() * pool.length)]!.pid;
    return (await this.createProcess(appName, { processClass })).pid;
  }

  /**
   * The class an invocation without a pid goes to. When the application record knows no class
   * with the function and its code is a local module (no deployed version), the hosts may run
   * newer code than the record was written with (a restarted host, `praas-framework dev` after a
   * change): what they report decides before the call is refused. The record is not rewritten
   * here: hosts of one application may disagree for a while (some restarted with new code, some
   * not), and the look-up costs only calls the record cannot route.
   */
  private async classForInvoke(app: AppRecord, fn: string, requested: string | undefined): Promise<string> {
    try {
      return classForInvoke(app, fn, requested);
    } catch (e) {
      if (!(e instanceof FunctionNotFoundError) || app.version !== undefined) throw e;
      const functions = functionsOf(await this.options.provider.knownProcessClasses(app.name), app.processClasses);
      return classForInvoke({ ...app, functions }, fn, requested);
    }
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
   * any more (it died, and its heartbeat is not stale yet) is passed over for the next one; so is,
   * for a create, a host that answers that it cannot load the application's code.
   */
  private async controlOnPlacedHost<T>(
    app: AppRecord,
    request: ControlRequest & { op: ControlOp },
    first?: string,
  ): Promise<T> {
    const passedOver = new Set<string>();
    // Only a new process needs the newest code; any host can delete or look up one.
    const needsCode = request.op === 'create';
    let codeFailure: PraasError | undefined;
    const place = async (): Promise<string> => this.placeFor(app, { passedOver, needsCode, codeFailure });
    for (let host = first === undefined ? await place() : this.reserve(first); ; host = await place()) {
      try {
        return await this.control<T>(hostSubject(app.name, host), request);
      } catch (e) {
        if (needsCode && e instanceof PraasError && e.code === CodeLoadFailedError.code) codeFailure = e;
        else if (!(e instanceof NoRespondersError)) throw e;
        passedOver.add(host);
      } finally {
        const left = (this.inFlight.get(host) ?? 1) - 1;
        if (left > 0) this.inFlight.set(host, left);
        else this.inFlight.delete(host);
      }
    }
  }

  /** Counts a request to `host` as load until it is answered (the caller releases it). */
  private reserve(host: string): string {
    this.inFlight.set(host, (this.inFlight.get(host) ?? 0) + 1);
    return host;
  }

  /**
   * A live host for a request, counted as in flight in the same turn it is picked, so the picks of
   * a concurrent burst see each other and spread over the hosts. With `needsCode`, hosts that
   * cannot load the application's newest code are passed over; when only such hosts are left, the
   * request fails at once with their reason (`codeFailure`, the answer of one of them, comes first).
   * @throws CodeLoadFailedError as said; UnavailableError when no host serves the application.
   */
  private async placeFor(
    app: AppRecord,
    options: { passedOver: ReadonlySet<string>; needsCode: boolean; codeFailure: PraasError | undefined },
  ): Promise<string> {
    let pick = await this.leastLoaded(app.name, options.passedOver, options.needsCode);
    if (!pick.host && pick.broken.length === 0 && !options.codeFailure) {
      await this.options.provider.ensureHosts(app);
      pick = await this.leastLoaded(app.name, options.passedOver, options.needsCode);
    }
    if (pick.host) return pick.host.id;
    if (options.codeFailure) throw options.codeFailure;
    if (pick.broken.length > 0) throw codeLoadFailure(app.name, pick.broken);
    throw new UnavailableError(`no runtime host serves application '${app.name}'`, { details: { app: app.name } });
  }

  /**
   * The live host holding the fewest processes, reserved (see `placeFor`). The load is counted from
   * the process records, which a host writes before it answers a create, not from the heartbeat's
   * count, which lags by up to a heartbeat interval, plus this control plane's creates still in
   * flight: creates in quick succession or in a concurrent burst would otherwise all land on one host.
   */
  private async leastLoaded(app: string, passedOver: ReadonlySet<string>, needsCode: boolean): Promise<Pick> {
    const [hosts, processes] = await Promise.all([
      this.options.registry.listHosts(app),
      this.options.registry.listProcesses(app),
    ]);
    const held = new Map<string, number>();
    for (const p of processes)
      if (p.host !== undefined && HELD_STATUSES.has(p.status)) held.set(p.host, (held.get(p.host) ?? 0) + 1);
    const now = Date.now();
    const candidates = hosts.filter((h) => !passedOver.has(h.id));
    const broken = needsCode ? candidates.filter((h) => h.codeError !== undefined && this.live(h, now)) : [];
    const host = pickLeastLoaded(
      candidates
        .filter((h) => !(needsCode && h.codeError !== undefined))
        .map((h) => ({ ...h, activeProcesses: (held.get(h.id) ?? 0) + (this.inFlight.get(h.id) ?? 0) })),
      now,
      this.hostStaleMs,
    );
    // Reserved in the same turn as the pick: the next pick of a concurrent burst already sees it.
    if (host) this.reserve(host.id);
    return { ...(host ? { host } : {}), broken };
  }

  private live(host: HostRecord, now: number): boolean {
    return now - host.heartbeatAt <= this.hostStaleMs;
  }

  private get hostStaleMs(): number {
    return this.options.hostStaleMs ?? HOST_STALE_MS;
  }

  /** The application as clients see it: its record, and the live hosts that cannot load its code. */
  private async appInfo(record: AppRecord): Promise<AppInfo> {
    const now = Date.now();
    const codeErrors = (await this.options.registry.listHosts(record.name))
      .filter((h) => h.codeError !== undefined && this.live(h, now))
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((h) => ({ host: h.id, version: h.codeError!.version, message: h.codeError!.message }));
    return toAppInfo(record, codeErrors);
  }

  /**
   * Checks an application before the data-plane calls: an unknown one is answered as such, and the
   * per-application client cache does not grow with names callers made up. Only the first call
   * per application asks the registry; after that the data path costs one NATS request (DESIGN §8).
   */
  private async knownApp(name: string): Promise<void> {
    if (!this.clients.has(name)) await this.app(name);
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
