import {
  activationQueue,
  activationSubject,
  AlreadyExistsError,
  CodeLoadFailedError,
  DataPlaneClient,
  decodeControl,
  decodeReply,
  decodeWire,
  fromWireError,
  functionNames,
  InvalidArgumentError,
  NoRespondersError,
  encodeWire,
  hostSubject,
  newId,
  processDefinitionOf,
  ProcessClassNotFoundError,
  ProcessNotFoundError,
  processSubject,
  ProcessUnavailableError,
  PraasError,
  toWireError,
  UnavailableError,
  validateName,
  type AppRecord,
  type Constructor,
  type ControlRequest,
  type HostCodeError,
  type HostRecord,
  type ProcessDefinition,
  type ProcessInfo,
  type ProcessRecord,
  type Registry,
  type ReplyEnvelope,
  type Subscription,
  type Transport,
} from '@praas/framework';
import { ProcessController, type ProcessControllerOptions, type ProcessDirectory } from '../process/process-controller';
import { SnapshotRepository, type SnapshotRepositoryOptions } from '../state/snapshot-repository';
import { StateTypeCheck } from '../state/state-type-check';
import type { SwapStore } from '../storage/swap-store';
import { hostDataPlane, type DataPlaneOption, type HostDataPlane } from './host-data-plane';

export interface RuntimeHostOptions {
  /** The application this host serves. */
  readonly app: string;
  /** The application's process classes (decorated with `@Process`), from a local module; or give `code`. */
  readonly processes?: readonly Constructor[];
  /**
   * Deployed code instead of `processes`: the host runs the newest version the application record
   * names, looks for a newer one with every heartbeat and loads it beside the others. New
   * processes get the newest version; a process swaps back in with the version it was created with.
   * When the application is deleted and created again (a new incarnation), the code of the old one
   * is dropped. When the newest version cannot be loaded, the host reports why (`codeError`, in its
   * heartbeat) and takes no new processes until a version that loads is deployed.
   */
  readonly code?: CodeSource;
  /** Where the host reports loading code versions and registering its application (default: nowhere). */
  readonly log?: (line: string) => void;
  readonly transport: Transport;
  readonly registry: Registry;
  readonly store: SwapStore;
  /** Stable id of this host; generated when absent. */
  readonly hostId?: string;
  readonly snapshots?: SnapshotRepositoryOptions;
  readonly controller?: ProcessControllerOptions;
  /** Interval of heartbeats into the registry (default 2 000 ms). */
  readonly heartbeatMs?: number;
  /** Memory this host may use before the down-scaling policy swaps processes out (bytes). */
  readonly memoryBudgetBytes?: number;
  /**
   * A process that the registry shows on another host is left there while that host's last
   * heartbeat is younger than this; older, the host counts as dead and the process is taken over
   * from its last committed snapshot (default 10 000 ms, like the gateway's placement).
   */
  readonly hostStaleMs?: number;
  /** How long an activation waits for another host to finish swapping the process out (default 30 000 ms). */
  readonly claimTimeoutMs?: number;
  /**
   * The data plane between hosts (DESIGN §5a), default `'nats'`. With `'direct'` the host listens on
   * a data port, advertises it in its host record, and reaches processes on other hosts over
   * direct connections, falling back to `transport`.
   */
  readonly dataPlane?: DataPlaneOption;
}

/** One deployed code version of one incarnation of an application. */
export interface CodeVersion {
  /** `AppRecord.incarnation`: which application of that name the version belongs to. */
  readonly incarnation: string;
  readonly version: number;
}

/** Loads the process classes of deployed versions of the application's code. */
export interface CodeSource {
  load(code: CodeVersion): Promise<readonly Constructor[]>;
  /**
   * Optional: drops whatever is cached of every incarnation but `keep` (all when undefined), e.g.
   * unpacked files; called when the host sees that the application was deleted or created anew.
   */
  retain?(keep: string | undefined): Promise<void>;
}

/** Why the newest code did not load; `retry` when the cause may pass (the object store did not answer). */
interface CodeFailure extends HostCodeError {
  readonly retry: boolean;
}

/** Process classes by name, as one code version defines them. */
type Definitions = ReadonlyMap<string, ProcessDefinition>;

/** The version key of a local module's classes (deployed versions start at 1). */
const LOCAL_CODE = 0;

function definitionsOf(processes: readonly Constructor[]): Definitions {
  const definitions = new Map<string, ProcessDefinition>();
  for (const ctor of processes) {
    const definition = processDefinitionOf(ctor);
    definitions.set(definition.name, definition);
  }
  return definitions;
}

/** Outcome of trying to claim a process for activation on this host. */
type Claim =
  | { readonly won: true; readonly previous: ProcessRecord; readonly revision: number }
  | { readonly won: false; readonly holder: ProcessInfo };

const HELD_STATUSES: ReadonlySet<string> = new Set(['active', 'swapping-in', 'swapping-out']);
const CLAIM_POLL_MS = 20;

/** The first line of an error's message: Node's module errors append a require stack of local paths. */
function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n', 1)[0]!.trim();
}

/**
 * A runtime host (DESIGN §3): one Node.js process that hosts many cloud processes of one
 * application. It takes control requests (create, activate, swap, delete) on its own subject and
 * activation requests on the application's queue group, and heartbeats into the registry.
 */
export class RuntimeHost implements ProcessDirectory {
  readonly app: string;
  readonly id: string;
  readonly snapshots: SnapshotRepository;
  /** Loaded code by version (LOCAL_CODE for a local module), side by side; only of `incarnation`. */
  private versions = new Map<number, Promise<Definitions>>();
  private newestVersion = LOCAL_CODE;
  /** With deployed code: the application incarnation whose code is loaded; undefined before the first look. */
  private incarnation: string | undefined;
  /** With deployed code: why the application's newest version did not load, until one does. */
  private codeFailure: CodeFailure | undefined;
  /** Looks at the application record run one after another, each after the call that asked for it. */
  private refreshes: Promise<unknown> = Promise.resolve();
  private readonly controllers = new Map<string, ProcessController>();
  /** Life-cycle operations on one pid run one after another. */
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly subscriptions: Subscription[] = [];
  private readonly dataPlane: DataPlaneClient;
  private readonly stateTypes = new StateTypeCheck();
  /** The options' transport, or the direct data plane around it. */
  private readonly transport: Transport;
  private readonly direct: HostDataPlane['direct'];
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();

  constructor(private readonly options: RuntimeHostOptions) {
    this.app = validateName('application', options.app);
    this.id = validateName('host id', options.hostId ?? `host-${newId().slice(0, 8)}`);
    if (!options.processes && !options.code)
      throw new InvalidArgumentError('a runtime host needs its process classes or a code source');
    this.definitionsNow = options.processes ? definitionsOf(options.processes) : new Map();
    if (options.processes) this.versions.set(LOCAL_CODE, Promise.resolve(this.definitionsNow));
    this.snapshots = new SnapshotRepository(options.store, options.snapshots);
    const plane = hostDataPlane(options.dataPlane ?? 'nats', {
      app: this.app,
      hostId: this.id,
      transport: options.transport,
      registry: options.registry,
      ...(options.log ? { log: options.log } : {}),
    });
    this.transport = plane.transport;
    this.direct = plane.direct;
    this.dataPlane = new DataPlaneClient(this.transport, options.registry, this.app);
  }

  /** Process classes of the newest code version, which new processes get. */
  private definitionsNow: Definitions;

  /** Names of the process classes this host can run (those of the newest code version). */
  get processClasses(): string[] {
    return [...this.definitionsNow.keys()];
  }

  /** Function names of each process class this host can run (those of the newest code version). */
  get functions(): Record<string, string[]> {
    return Object.fromEntries([...this.definitionsNow].map(([name, d]) => [name, functionNames(d)]));
  }

  /** The newest deployed code version loaded here; undefined for a host with a local module. */
  get codeVersion(): number | undefined {
    return this.options.code ? this.newestVersion : undefined;
  }

  /**
   * Why this host cannot load its application's newest deployed code version, while it cannot;
   * the host then creates no processes, and its heartbeat and health check say so.
   */
  get codeError(): HostCodeError | undefined {
    return this.codeFailure && { version: this.codeFailure.version, message: this.codeFailure.message };
  }

  /**
   * With deployed code: looks at the application record and loads its newest version when it is
   * newer than the newest loaded here (the heartbeat calls this). Older versions stay loaded for
   * the processes that run them. When the record names another incarnation, or none (the
   * application was deleted), everything loaded of the old one is dropped first. A version that
   * does not load is recorded in `codeError` and not tried again until a newer one is deployed
   * (unless the cause may pass, e.g. the object store did not answer).
   * @returns the newest version loaded.
   */
  refreshCode(): Promise<number | undefined> {
    if (!this.options.code) return Promise.resolve(undefined);
    const run = this.refreshes.then(() => this.loadNewestCode());
    this.refreshes = run.catch(() => undefined);
    return run;
  }

  private async loadNewestCode(): Promise<number> {
    const app = await this.options.registry.getApp(this.app);
    if (app?.incarnation !== this.incarnation) await this.switchIncarnation(app?.incarnation);
    if (!app || app.version === undefined || app.version <= this.newestVersion) return this.newestVersion;
    if (this.codeFailure?.version === app.version && !this.codeFailure.retry) return this.newestVersion;
    let definitions: Definitions;
    try {
      definitions = await this.definitionsOfVersion(app.version);
    } catch (e) {
      const retry = e instanceof PraasError && e.retryable;
      const message = firstLine(e instanceof CodeLoadFailedError ? e.details['reason'] : e);
      if (this.codeFailure?.version !== app.version || this.codeFailure.message !== message) {
        this.options.log?.(
          `praas host ${this.id} cannot load code version ${app.version} of ${this.app}: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
      this.codeFailure = { version: app.version, message, retry };
      return this.newestVersion;
    }
    if (app.version > this.newestVersion) {
      this.newestVersion = app.version;
      this.definitionsNow = definitions;
      this.codeFailure = undefined;
      this.options.log?.(`praas host ${this.id} loaded code version ${app.version}: ${this.processClasses.join(', ')}`);
    }
    return this.newestVersion;
  }

  /** Forgets the code of the incarnation loaded so far: the application of that name was deleted, or created anew. */
  private async switchIncarnation(next: string | undefined): Promise<void> {
    const previous = this.incarnation;
    this.incarnation = next;
    this.versions = new Map();
    this.newestVersion = LOCAL_CODE;
    this.definitionsNow = new Map();
    this.codeFailure = undefined;
    if (previous !== undefined) {
      this.options.log?.(`praas host ${this.id} dropped the code of a deleted incarnation of ${this.app}`);
    }
    await this.options.code?.retain?.(next);
  }

  /**
   * The classes of one code version of the current incarnation, loaded once (concurrent callers
   * share the load; a failed load is tried again next time).
   * @throws CodeLoadFailedError when the code does not load; the store's retryable error when it did not answer.
   */
  private definitionsOfVersion(version: number): Promise<Definitions> {
    const versions = this.versions;
    let loaded = versions.get(version);
    if (!loaded) {
      const code = this.options.code;
      const incarnation = this.incarnation;
      if (!code) return Promise.resolve(this.definitionsNow);
      if (incarnation === undefined) {
        return Promise.reject(new CodeLoadFailedError(this.app, version, 'the application does not exist', this.id));
      }
      loaded = code
        .load({ incarnation, version })
        .then(definitionsOf)
        .catch((e: unknown) => {
          if (e instanceof PraasError && e.retryable) throw e;
          throw new CodeLoadFailedError(this.app, version, firstLine(e), this.id);
        });
      versions.set(version, loaded);
      loaded.catch(() => {
        if (versions.get(version) === loaded) versions.delete(version);
      });
    }
    return loaded;
  }

  /**
   * The classes a process runs with: those of the version it was created with, of its
   * incarnation. A record without a version (created from a local module) runs the newest code; a
   * host with a local module runs every process with it.
   * @throws ProcessNotFoundError for a record left over from a deleted incarnation of the application.
   */
  private async definitionsFor(record: ProcessRecord): Promise<Definitions> {
    if (!this.options.code) return this.definitionsNow;
    if (record.incarnation !== undefined && record.incarnation !== this.incarnation) {
      // This host may not have seen yet that the application was created anew: look.
      await this.refreshCode();
      if (record.incarnation !== this.incarnation) throw new ProcessNotFoundError(this.app, record.pid);
    }
    if (record.version === undefined) {
      this.assertNewestCode();
      return this.definitionsNow;
    }
    return this.definitionsOfVersion(record.version);
  }

  /** With deployed code: fails unless the newest version is loaded here. */
  private assertNewestCode(): void {
    if (!this.options.code) return;
    if (this.codeFailure) {
      throw new CodeLoadFailedError(this.app, this.codeFailure.version, this.codeFailure.message, this.id);
    }
    if (this.newestVersion === LOCAL_CODE) {
      throw new UnavailableError(
        `host ${this.id} has no code of '${this.app}' yet; deploy it with praas-framework deploy --gateway URL`,
        { details: { app: this.app, host: this.id } },
      );
    }
  }

  /**
   * A host with a local module registers its application when it starts: it creates it with the
   * module's classes and their function names (for invoke routing) when it is missing (marked
   * `createdByHost`, so that a later `createApp` takes it over rather than failing), and fills in
   * the classes of one created without any and without deployed code. An application created with
   * classes, or deployed, is left as it is.
   */
  private async registerApp(): Promise<void> {
    const { registry } = this.options;
    const classes = [...this.processClasses].sort();
    const functions = this.functions;
    for (;;) {
      const found = await registry.getAppVersioned(this.app);
      if (found && (found.record.processClasses.length > 0 || found.record.version !== undefined)) return;
      const record: AppRecord = found
        ? { ...found.record, processClasses: classes, functions }
        : {
            name: this.app,
            incarnation: newId(),
            createdAt: Date.now(),
            processClasses: classes,
            functions,
            createdByHost: this.id,
          };
      if ((await registry.updateApp(record, found?.revision ?? 0)) !== undefined) {
        this.options.log?.(
          `praas host ${this.id} ${found ? 'registered its classes with' : 'created'} application ${this.app}: ${classes.join(', ')}`,
        );
        return;
      }
    }
  }

  /** `host:port` of this host's direct data plane once started; undefined on the NATS data plane. */
  get dataAddress(): string | undefined {
    return this.direct?.transport.address;
  }

  /**
   * Starts serving: with a local module, registers the application first; with deployed code,
   * loads the newest version first. A host whose newest version does not load starts all the same:
   * it reports why (`codeError`, its heartbeat), answers creates with CODE_LOAD_FAILED, and loads
   * the next version deployed.
   * @throws InvalidArgumentError with deployed code, when the application has no deployed version.
   */
  async start(): Promise<void> {
    const { transport } = this;
    if (this.options.processes) await this.registerApp();
    if (this.options.code && (await this.refreshCode()) === LOCAL_CODE && !this.codeFailure) {
      throw new InvalidArgumentError(
        `application '${this.app}' has no deployed code yet; deploy it with praas-framework deploy --gateway URL`,
        { app: this.app },
      );
    }
    if (this.direct) {
      await this.direct.routes.start(this.app);
      await this.direct.transport.listen();
    }
    const handler = (bytes: Uint8Array): Promise<Uint8Array> => this.handleControl(bytes);
    this.subscriptions.push(await transport.serve(hostSubject(this.app, this.id), handler));
    this.subscriptions.push(
      await transport.serve(activationSubject(this.app), handler, { queue: activationQueue(this.app) }),
    );
    await this.beat();
    this.heartbeat = setInterval(
      () =>
        void this.refreshCode()
          .catch((e: unknown) =>
            this.options.log?.(
              `praas host ${this.id}: cannot load the newest code: ${e instanceof Error ? e.message : String(e)}`,
            ),
          )
          .then(() => this.beat())
          .then(() => this.fence())
          .catch(() => undefined),
      this.options.heartbeatMs ?? 2_000,
    );
    this.heartbeat.unref();
  }

  /**
   * Stops the host. With `swapOut` (the default) every process is swapped out first, so nothing is
   * lost; without it processes are dropped and come back from their last committed snapshot.
   */
  async stop(options: { swapOut?: boolean } = {}): Promise<void> {
    clearInterval(this.heartbeat);
    for (const s of this.subscriptions.splice(0)) await s.unsubscribe();
    const pids = [...this.controllers.keys()];
    await Promise.all(
      pids.map((pid) =>
        this.locked(pid, async () => {
          const c = this.controllers.get(pid);
          if (!c) return;
          if (options.swapOut !== false && c.status === 'active') await c.swapOut();
          else await c.stop();
          this.controllers.delete(pid);
        }),
      ),
    );
    await this.options.registry.deleteHost(this.app, this.id).catch(() => undefined);
    await this.direct?.transport.close();
    await this.snapshots.idle();
  }

  /** The controller of a process hosted here, for direct local calls. */
  local(pid: string): ProcessController | undefined {
    return this.controllers.get(pid);
  }

  /** Processes hosted here right now. */
  list(): ProcessController[] {
    return [...this.controllers.values()];
  }

  /**
   * Creates a fresh process; fails when the pid is taken. With deployed code, `incarnation` is the
   * application incarnation the gateway created it for: a host that has not seen it yet looks at
   * the application record first, so it never creates a process with the code of a deleted one.
   * @throws CodeLoadFailedError when the application's newest code does not load here.
   */
  async create(pid: string, processClass: string, incarnation?: string): Promise<ProcessInfo> {
    validateName('pid', pid);
    if (this.options.code && incarnation !== undefined && incarnation !== this.incarnation) {
      await this.refreshCode();
      if (incarnation !== this.incarnation) {
        throw new UnavailableError(
          `application '${this.app}' was deleted or created anew while process '${pid}' was being created; try again`,
          { details: { app: this.app, pid } },
        );
      }
    }
    this.assertNewestCode();
    const definition = this.definitionsNow.get(processClass);
    if (!definition) throw new ProcessClassNotFoundError(this.app, processClass, this.processClasses);
    const version = this.codeVersion;
    const code = version === undefined ? {} : { version, incarnation: this.incarnation! };
    return this.locked(pid, async () => {
      const { registry } = this.options;
      const existing = await registry.getProcessVersioned(this.app, pid);
      if (existing && existing.record.status !== 'deleted') throw new AlreadyExistsError('process', pid);
      // Claimed atomically: two hosts creating the same pid at once cannot both win.
      const claimed = await registry.updateProcess(
        {
          app: this.app,
          pid,
          processClass,
          status: 'swapping-in',
          host: this.id,
          generation: 0,
          ...code,
          updatedAt: Date.now(),
        },
        existing?.revision ?? 0,
      );
      if (claimed === undefined) throw new AlreadyExistsError('process', pid);
      try {
        // A reused pid must not inherit a deleted predecessor's snapshots or queued traffic.
        await this.snapshots.deleteAll(this.app, pid);
        const controller = await ProcessController.start(this.controllerDeps(pid, definition, code));
        this.controllers.set(pid, controller);
        return this.info(controller);
      } catch (e) {
        await registry.deleteProcess(this.app, pid).catch(() => undefined);
        throw e;
      }
    });
  }

  /**
   * Makes a process active: a no-op when it is active here; when another live host holds it, that
   * host's info (activation requests reach any host of the application's queue group); else it is
   * claimed in the registry with a compare-and-set, so only one host swaps it in, and swapped in
   * here from its newest snapshot. When this host cannot load the process's code, it hands the
   * activation on to a live host that reports no code error (unless it was handed on already).
   * @throws CodeLoadFailedError when neither this host nor another can load the process's code.
   */
  activate(pid: string, options: { forwarded?: boolean } = {}): Promise<ProcessInfo> {
    validateName('pid', pid);
    return this.locked(pid, async () => {
      const current = this.controllers.get(pid);
      if (current && current.status === 'active') return this.info(current);
      let claim: Claim;
      try {
        claim = await this.claim(pid);
      } catch (e) {
        if (options.forwarded || !(e instanceof CodeLoadFailedError)) throw e;
        const taken = await this.handOn(pid);
        if (taken) return taken;
        throw e;
      }
      if (!claim.won) return claim.holder;
      const definition = (await this.definitionsFor(claim.previous)).get(claim.previous.processClass)!;
      const { version, incarnation } = claim.previous;
      const code = this.options.code
        ? { version: version ?? this.newestVersion, incarnation: incarnation ?? this.incarnation! }
        : {};
      try {
        const controller = await ProcessController.start(this.controllerDeps(pid, definition, code));
        this.controllers.set(pid, controller);
        return this.info(controller);
      } catch (e) {
        // Give the process back as it was, so another activation can try again.
        await this.options.registry
          .updateProcess({ ...claim.previous, updatedAt: Date.now() }, claim.revision)
          .catch(() => undefined);
        throw e;
      }
    });
  }

  /**
   * Hands an activation this host cannot serve (it cannot load the process's code) on to the live
   * hosts that report no code error, least loaded first; the first that activates it answers.
   * @returns undefined when none could.
   */
  private async handOn(pid: string): Promise<ProcessInfo | undefined> {
    const now = Date.now();
    const peers = (await this.options.registry.listHosts(this.app))
      .filter((h) => h.id !== this.id && h.codeError === undefined && this.fresh(h, now))
      .sort((a, b) => a.activeProcesses - b.activeProcesses);
    const request: ControlRequest = { op: 'activate', app: this.app, pid, forwarded: true };
    for (const peer of peers) {
      let reply: ReplyEnvelope;
      try {
        reply = decodeReply(
          await this.options.transport.request(hostSubject(this.app, peer.id), encodeWire(request), {
            timeoutMs: this.options.claimTimeoutMs ?? 30_000,
          }),
        );
      } catch (e) {
        if (e instanceof NoRespondersError) continue;
        throw e;
      }
      if (reply.ok) return decodeWire<ProcessInfo>(reply.data!, 'activation reply');
      if (reply.error.code !== CodeLoadFailedError.code) throw fromWireError(reply.error);
    }
    return undefined;
  }

  /** Claims a process for this host, or names the live host that holds it. */
  private async claim(pid: string): Promise<Claim> {
    const { registry } = this.options;
    const deadline = Date.now() + (this.options.claimTimeoutMs ?? 30_000);
    for (;;) {
      const found = await registry.getProcessVersioned(this.app, pid);
      if (!found || found.record.status === 'deleted') throw new ProcessNotFoundError(this.app, pid);
      const { record, revision } = found;
      const definitions = await this.definitionsFor(record);
      if (!definitions.has(record.processClass)) {
        throw new ProcessClassNotFoundError(this.app, record.processClass, [...definitions.keys()]);
      }
      let heldElsewhere =
        record.host !== undefined &&
        record.host !== this.id &&
        HELD_STATUSES.has(record.status) &&
        (await this.hostAlive(record.host));
      if (heldElsewhere && record.status !== 'swapping-out') {
        // The holder answers the activation itself; a holder nobody serves any more died (its
        // heartbeat may not be stale yet), and the process is taken over from its last snapshot.
        const answer = await this.askHolder(record.host!, pid);
        if (answer !== 'gone') return { won: false, holder: answer };
        heldElsewhere = false;
      }
      if (heldElsewhere) {
        // Its backup queue is read again only at the next swap-in: wait for the swap-out to end, then claim.
        if (Date.now() > deadline) throw new ProcessUnavailableError(this.app, pid, record.status);
        await new Promise((resolve) => setTimeout(resolve, CLAIM_POLL_MS));
        continue;
      }
      const claimed = await registry.updateProcess(
        { ...record, status: 'swapping-in', host: this.id, updatedAt: Date.now() },
        revision,
      );
      if (claimed !== undefined) return { won: true, previous: record, revision: claimed };
      // Another host wrote the record first: look again.
    }
  }

  /** Forwards an activation to the host that holds the process; 'gone' when no one serves that host any more. */
  private async askHolder(holder: string, pid: string): Promise<ProcessInfo | 'gone'> {
    const request: ControlRequest = { op: 'activate', app: this.app, pid };
    let bytes: Uint8Array;
    try {
      bytes = await this.transport.request(hostSubject(this.app, holder), encodeWire(request), {
        timeoutMs: this.options.claimTimeoutMs ?? 30_000,
      });
    } catch (e) {
      if (e instanceof NoRespondersError) return 'gone';
      throw e;
    }
    const reply = decodeReply(bytes);
    if (!reply.ok) throw fromWireError(reply.error);
    return decodeWire<ProcessInfo>(reply.data!, 'activation reply');
  }

  private async hostAlive(hostId: string): Promise<boolean> {
    const hosts = await this.options.registry.listHosts(this.app);
    const host = hosts.find((h) => h.id === hostId);
    return host !== undefined && this.fresh(host, Date.now());
  }

  private fresh(host: HostRecord, now: number): boolean {
    return now - host.heartbeatAt <= (this.options.hostStaleMs ?? 10_000);
  }

  /** Swaps a process hosted here out; returns its record afterwards. */
  swapOut(pid: string): Promise<ProcessInfo> {
    return this.locked(pid, async () => {
      const controller = this.controllers.get(pid);
      if (!controller) {
        const record = await this.options.registry.getProcess(this.app, pid);
        if (!record) throw new ProcessNotFoundError(this.app, pid);
        return recordInfo(record);
      }
      await controller.swapOut();
      this.controllers.delete(pid);
      return this.info(controller);
    });
  }

  /** Writes a checkpoint of a process hosted here. */
  checkpoint(pid: string): Promise<ProcessInfo> {
    return this.locked(pid, async () => {
      const controller = this.controllers.get(pid);
      if (!controller) throw new ProcessNotFoundError(this.app, pid);
      await controller.checkpoint();
      return this.info(controller);
    });
  }

  /** Deletes a process: stops it if hosted here, removes its snapshots, backup queue and record. */
  delete(pid: string): Promise<void> {
    validateName('pid', pid);
    return this.locked(pid, async () => {
      const record = await this.options.registry.getProcess(this.app, pid);
      const controller = this.controllers.get(pid);
      if (!record && !controller) throw new ProcessNotFoundError(this.app, pid);
      if (controller) {
        await controller.stop();
        this.controllers.delete(pid);
      }
      await this.snapshots.deleteAll(this.app, pid);
      await this.transport.backup.purge(this.app, pid);
      await this.options.registry.deleteProcess(this.app, pid);
    });
  }

  private info(controller: ProcessController): ProcessInfo {
    return {
      app: this.app,
      pid: controller.pid,
      processClass: controller.definition.name,
      status: controller.status,
      address: processSubject(this.app, controller.pid),
      generation: controller.generation,
      ...(controller.status === 'active' ? { host: this.id } : {}),
      ...(controller.codeVersion === undefined ? {} : { version: controller.codeVersion }),
    };
  }

  private controllerDeps(
    pid: string,
    definition: ProcessDefinition,
    code: { readonly version?: number; readonly incarnation?: string },
  ) {
    return {
      app: this.app,
      pid,
      hostId: this.id,
      definition,
      transport: this.transport,
      registry: this.options.registry,
      snapshots: this.snapshots,
      stateTypes: this.stateTypes,
      directory: this,
      dataPlane: this.dataPlane,
      ...(this.options.controller ? { options: this.options.controller } : {}),
      ...(code.version === undefined ? {} : { codeVersion: code.version }),
      ...(code.incarnation === undefined ? {} : { incarnation: code.incarnation }),
    };
  }

  private locked<T>(pid: string, task: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(pid) ?? Promise.resolve();
    const run = previous.then(task, task);
    const settled = run.catch(() => undefined);
    this.locks.set(pid, settled);
    void settled.then(() => {
      if (this.locks.get(pid) === settled) this.locks.delete(pid);
    });
    return run;
  }

  private async handleControl(bytes: Uint8Array): Promise<Uint8Array> {
    let reply: ReplyEnvelope;
    try {
      const request = decodeControl(bytes);
      const result = await this.control(request);
      reply = result === undefined ? { ok: true } : { ok: true, data: encodeWire(result) };
    } catch (e) {
      reply = { ok: false, error: toWireError(e) };
    }
    return encodeWire(reply);
  }

  private control(request: ControlRequest): Promise<ProcessInfo | ProcessInfo[] | undefined> {
    switch (request.op) {
      case 'create':
        return this.create(request.pid, request.processClass ?? '', request.incarnation);
      case 'activate':
        return this.activate(request.pid, { forwarded: request.forwarded === true });
      case 'swap':
        return this.swapOut(request.pid);
      case 'checkpoint':
        return this.checkpoint(request.pid);
      case 'delete':
        return this.delete(request.pid).then(() => undefined);
      case 'describe':
        return Promise.resolve(this.list().map((c) => this.info(c)));
    }
  }

  private async beat(): Promise<void> {
    await this.options.registry.putHost({
      id: this.id,
      app: this.app,
      startedAt: this.startedAt,
      heartbeatAt: Date.now(),
      activeProcesses: this.controllers.size,
      processClasses: this.processClasses,
      functions: this.functions,
      memoryBytes: process.memoryUsage().rss,
      ...(this.options.memoryBudgetBytes === undefined ? {} : { memoryBudgetBytes: this.options.memoryBudgetBytes }),
      ...(this.codeFailure ? { codeError: this.codeError! } : {}),
      ...(this.dataAddress === undefined ? {} : { dataAddress: this.dataAddress }),
      processes: this.list()
        .filter((c) => c.status === 'active')
        .map((c) => ({
          pid: c.pid,
          lastActivity: c.lastActivity,
          busy: c.busy,
          idleTimeoutMs: c.definition.idleTimeoutMs,
        })),
    });
  }

  /** Writes a heartbeat now (tests and the down-scaling policy read it). */
  heartbeatNow(): Promise<void> {
    return this.beat();
  }

  /**
   * Fencing: a process the registry now places on another host was taken over while this host was
   * cut off (e.g. from NATS). The copy here is stale; it is dropped without a snapshot, so that
   * only the new holder serves it. Runs with every heartbeat.
   */
  async fence(): Promise<string[]> {
    if (this.controllers.size === 0) return [];
    const records = new Map((await this.options.registry.listProcesses(this.app)).map((r) => [r.pid, r]));
    const dropped: string[] = [];
    for (const [pid, controller] of [...this.controllers]) {
      const record = records.get(pid);
      if (controller.status !== 'active' || !record || record.host === undefined || record.host === this.id) continue;
      await this.locked(pid, async () => {
        if (this.controllers.get(pid) !== controller) return;
        await controller.stop();
        this.controllers.delete(pid);
        dropped.push(pid);
      });
    }
    return dropped;
  }
}

/** A process's info as the registry shows it (for processes not hosted here). */
function recordInfo(record: ProcessRecord): ProcessInfo {
  return {
    app: record.app,
    pid: record.pid,
    processClass: record.processClass,
    status: record.status,
    address: processSubject(record.app, record.pid),
    generation: record.generation,
    ...(record.status === 'active' && record.host !== undefined ? { host: record.host } : {}),
    ...(record.version === undefined ? {} : { version: record.version }),
  };
}
