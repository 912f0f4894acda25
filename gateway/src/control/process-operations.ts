import {
  AlreadyExistsError,
  InvalidArgumentError,
  newPid,
  PraasError,
  ProcessClassNotFoundError,
  processInfo,
  validateName,
  type AppRecord,
  type CreateProcessOptions,
  type InspectOptions,
  type ProcessInspection,
  type ProcessInfo,
  type ProcessInfoPage,
  type ProcessPageQuery,
  type ProcessWatchEvent,
  type ProcessWatchOptions,
  type Registry,
  type Subscription,
} from '@praas/framework/internal';
import type { HostPlacement } from '../placement/host-placement';
import type { DataPlaneClients } from './data-plane-clients';
import type { HostControl } from './host-control';
import type { RegistryLookups } from './registry-lookups';

export interface ProcessOperationsDeps {
  readonly registry: Registry;
  readonly lookups: RegistryLookups;
  readonly placement: HostPlacement;
  readonly hosts: HostControl;
  readonly clients: DataPlaneClients;
  /** Where generated pids come from (default `newPid`); tests inject collisions through it. */
  readonly newPid?: (processClass: string) => string;
}

/** How often a create with a generated pid is tried again after the pid turned out to be taken. */
export const PID_COLLISION_RETRIES = 3;

/**
 * The process operations of the control plane (DESIGN §4): create (placed on a host, or swapped
 * in when the pid names a swapped process), list, get, swap out, delete, and the membership watch.
 * Hosts do the work; the registry holds the outcome.
 */
export class ProcessOperations {
  constructor(private readonly deps: ProcessOperationsDeps) {}

  async createProcess(appName: string, options: CreateProcessOptions = {}): Promise<ProcessInfo> {
    const { lookups, registry, clients } = this.deps;
    const app = await lookups.app(appName);
    if (options.pid !== undefined) {
      validateName('pid', options.pid);
      const existing = await registry.getProcess(appName, options.pid);
      if (existing && existing.status !== 'deleted') {
        if (existing.status === 'active') throw new AlreadyExistsError('process', options.pid);
        // The pid names a swapped-out (or swapping) process: bring it back from its swapped state.
        await clients.get(appName).activate(options.pid);
        return this.getProcess(appName, options.pid);
      }
    }
    const processClass = chooseClass(app, options.processClass);
    if (options.pid !== undefined) return this.createOnHost(app, processClass, options.pid, false);
    const generate = this.deps.newPid ?? newPid;
    for (let retries = 0; ; retries++) {
      const pid = generate(processClass);
      try {
        return await this.createOnHost(app, processClass, pid, true);
      } catch (e) {
        // A generated pid that is taken (64 random bits: rare even at 100,000 processes) is the
        // control plane's fault, not the caller's: it tries another. A pid the caller named is theirs.
        if (!(e instanceof PraasError && e.code === AlreadyExistsError.code) || retries >= PID_COLLISION_RETRIES)
          throw e;
      }
    }
  }

  /** `generated`: the pid is this control plane's (the host then looks for no earlier snapshots of it). */
  private createOnHost(app: AppRecord, processClass: string, pid: string, generated: boolean): Promise<ProcessInfo> {
    const request = {
      op: 'create',
      app: app.name,
      pid,
      processClass,
      incarnation: app.incarnation,
      generated,
    } as const;
    // Only a new process needs the newest code.
    return this.deps.placement.onPlacedHost(app, { needsCode: true, adds: true }, (host) =>
      this.deps.hosts.request<ProcessInfo>(host, request),
    );
  }

  async listProcesses(app: string): Promise<ProcessInfo[]> {
    await this.deps.lookups.app(app);
    return (await this.deps.registry.listProcesses(app)).map(processInfo);
  }

  /** One page of the application's processes; see `ControlPlaneApi.listProcessPage`. */
  async listProcessPage(app: string, query?: ProcessPageQuery): Promise<ProcessInfoPage> {
    await this.deps.lookups.app(app);
    const page = await this.deps.registry.listProcessPage(app, query);
    return {
      processes: page.processes.map(processInfo),
      ...(page.cursor === undefined ? {} : { cursor: page.cursor }),
    };
  }

  async getProcess(app: string, pid: string): Promise<ProcessInfo> {
    return processInfo(await this.deps.lookups.process(app, pid));
  }

  /** Swaps an active process out on its host; any other process is answered as it is. */
  async swapProcess(app: string, pid: string): Promise<ProcessInfo> {
    const record = await this.deps.lookups.process(app, pid);
    if (record.status !== 'active' || record.host === undefined) return processInfo(record);
    return this.deps.hosts.request<ProcessInfo>(record.host, { op: 'swap', app, pid });
  }

  /**
   * A process's state (DESIGN §8b): asked of its host while it is active, else of any host of the
   * application, which reads its newest committed snapshot without swapping it in.
   */
  async inspectProcess(app: string, pid: string, options: InspectOptions = {}): Promise<ProcessInspection> {
    const record = await this.deps.lookups.process(app, pid);
    const request = {
      op: 'inspect',
      app,
      pid,
      ...(options.maxChars === undefined ? {} : { maxChars: options.maxChars }),
    } as const;
    if (record.status === 'active' && record.host !== undefined)
      return this.deps.hosts.request<ProcessInspection>(record.host, request);
    return this.deps.placement.onPlacedHost(await this.deps.lookups.app(app), { needsCode: false }, (host) =>
      this.deps.hosts.request<ProcessInspection>(host, request),
    );
  }

  /** Deletes a process and its swapped state, through its host when it is active there, else through any. */
  async deleteProcess(app: string, pid: string): Promise<void> {
    const record = await this.deps.lookups.process(app, pid);
    const holder = record.status === 'active' ? record.host : undefined;
    await this.deps.placement.onPlacedHost(
      await this.deps.lookups.app(app),
      { needsCode: false, ...(holder === undefined ? {} : { first: holder }) },
      (host) => this.deps.hosts.request<void>(host, { op: 'delete', app, pid }),
    );
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
    await this.deps.lookups.app(app);
    const after = options.afterRevision;
    if (after !== undefined && (!Number.isSafeInteger(after) || after < 0))
      throw new InvalidArgumentError(`afterRevision must be a non-negative integer, got ${String(after)}`, {
        afterRevision: after,
      });
    return this.deps.registry.watchProcesses(
      app,
      (event) =>
        listener({
          type: event.type,
          // Registries differ in the record a deletion carries; the watch says 'deleted' either way.
          process:
            event.type === 'deleted' ? { ...processInfo(event.record), status: 'deleted' } : processInfo(event.record),
          revision: event.revision,
        }),
      {
        replay: after === undefined || after === 0 ? 'snapshot' : { afterRevision: after },
        ...(options.onSnapshot ? { onSnapshot: options.onSnapshot } : {}),
        ...(options.onSynced ? { onSynced: options.onSynced } : {}),
      },
    );
  }
}

/**
 * The class of a new process: the one named, else the application's only class.
 * @throws ProcessClassNotFoundError for a class the application lacks; InvalidArgumentError when
 *   the application has several classes (or none) and none was named.
 */
export function chooseClass(app: AppRecord, requested: string | undefined): string {
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
