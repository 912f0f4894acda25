import {
  silentLogger,
  type AppInfo,
  type ClientInvokeOptions,
  type ControlPlaneApi,
  type CreateAppOptions,
  type CreateProcessOptions,
  type DeployOptions,
  type VersionsReport,
  type HostInfo,
  type Logger,
  type InspectOptions,
  type ProcessInfo,
  type ProcessInfoPage,
  type ProcessPageQuery,
  type ProcessInspection,
  type ProcessWatchEvent,
  type ProcessWatchOptions,
  type Registry,
  type ScaleDownOutcome,
  type Subscription,
  type TimerDetailsPage,
  type TimerStore,
  type Transport,
} from '@praas/framework/internal';
import type { BundleStore } from '../bundles/bundle-store';
import { HostPlacement } from '../placement/host-placement';
import type { HostProvider } from '../provisioning/host-provider';
import { AppOperations } from './app-operations';
import { CodeDeployment } from './code-deployment';
import { DataPlaneCalls } from './data-plane-calls';
import { DataPlaneClients } from './data-plane-clients';
import type { GatewayOperations } from './gateway-operations';
import { GatewaySender } from './gateway-sender';
import { HostControl } from './host-control';
import { listHosts } from './host-listing';
import { ProcessOperations } from './process-operations';
import { ProcessPicker } from './process-picker';
import { RegistryLookups } from './registry-lookups';
import { TimerOperations, type TimerListing } from './timer-operations';
import { versionCensus } from './version-census';

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
  /** Where the control plane logs, e.g. hosts that placement passed over (default: nowhere). */
  readonly logger?: Logger;
  /** Where generated pids come from (default `newPid`: the class and 64 random bits). */
  readonly newPid?: (processClass: string) => string;
  /**
   * The durable timers the hosts fire (issue 19), listed and cancelled through the gateway: on NATS
   * the JetStream KV store, embedded the `MemoryTimerStore` the hosts share. Without it the timer
   * routes answer UNAVAILABLE. Not closed by the control plane.
   */
  readonly timers?: TimerStore;
}

/**
 * The control plane (DESIGN §4): applications, processes, placement on runtime hosts, and the
 * FaaS-compatible invoke. It keeps no state of its own; everything lives in the registry, so
 * several instances can serve side by side. REST, gRPC and the embedded mode all call this.
 *
 * It only wires its collaborators, one role each: `AppOperations` (applications),
 * `CodeDeployment` (code versions), `ProcessOperations` (processes and the watch),
 * `DataPlaneCalls` with `ProcessPicker` (invoke and send), `HostPlacement` (which host a request
 * goes to) and `HostControl` (control requests to a host).
 */
export class ControlPlane implements ControlPlaneApi, GatewayOperations {
  private readonly apps: AppOperations;
  private readonly deployment: CodeDeployment;
  private readonly processes: ProcessOperations;
  private readonly calls: DataPlaneCalls;
  private readonly hosts: HostControl;
  private readonly registry: Registry;
  private readonly lookups: RegistryLookups;
  private readonly timers: TimerOperations;

  constructor(options: ControlPlaneOptions) {
    const { transport, registry, provider } = options;
    const lookups = (this.lookups = new RegistryLookups(registry));
    this.registry = registry;
    const clients = new DataPlaneClients(transport, registry);
    const placement = new HostPlacement({
      registry,
      provider,
      logger: options.logger ?? silentLogger,
      ...(options.hostStaleMs === undefined ? {} : { hostStaleMs: options.hostStaleMs }),
    });
    const hosts = (this.hosts = new HostControl(transport, options.controlTimeoutMs ?? 60_000));
    this.processes = new ProcessOperations({
      registry,
      lookups,
      placement,
      hosts,
      clients,
      ...(options.newPid ? { newPid: options.newPid } : {}),
    });
    this.apps = new AppOperations({
      registry,
      provider,
      lookups,
      placement,
      processes: this.processes,
      clients,
      ...(options.bundles ? { bundles: options.bundles } : {}),
    });
    this.deployment = new CodeDeployment(registry, options.bundles, hosts, options.logger ?? silentLogger);
    const picker = new ProcessPicker({ registry, provider, lookups, processes: this.processes });
    this.calls = new DataPlaneCalls({ lookups, clients, sender: new GatewaySender(), picker });
    this.timers = new TimerOperations(lookups, options.timers);
  }

  /** See {@link AppOperations.createApp}. */
  createApp(name: string, options?: CreateAppOptions): Promise<AppInfo> {
    return this.apps.createApp(name, options);
  }

  /** See {@link CodeDeployment.deployVersion}. */
  deployVersion(name: string, bundle: Uint8Array, options?: DeployOptions): Promise<AppInfo> {
    return this.deployment.deployVersion(name, bundle, options);
  }

  /** See {@link versionCensus}. */
  listVersions(app: string): Promise<VersionsReport> {
    return versionCensus(this.registry, this.lookups, app);
  }

  listApps(): Promise<AppInfo[]> {
    return this.apps.listApps();
  }

  getApp(name: string): Promise<AppInfo> {
    return this.apps.getApp(name);
  }

  /** See {@link AppOperations.deleteApp}. */
  deleteApp(name: string): Promise<void> {
    return this.apps.deleteApp(name);
  }

  createProcess(app: string, options?: CreateProcessOptions): Promise<ProcessInfo> {
    return this.processes.createProcess(app, options);
  }

  listProcesses(app: string): Promise<ProcessInfo[]> {
    return this.processes.listProcesses(app);
  }

  listProcessPage(app: string, query?: ProcessPageQuery): Promise<ProcessInfoPage> {
    return this.processes.listProcessPage(app, query);
  }

  getProcess(app: string, pid: string): Promise<ProcessInfo> {
    return this.processes.getProcess(app, pid);
  }

  swapProcess(app: string, pid: string): Promise<ProcessInfo> {
    return this.processes.swapProcess(app, pid);
  }

  /**
   * Asks `host` of `app` to swap out its idle processes, and while above its memory budget its
   * least recently used idle one (the host decides: the activity is there); answers what it did.
   * The down-scaling policy calls this for every live host.
   */
  scaleDownHost(app: string, host: string): Promise<ScaleDownOutcome[]> {
    return this.hosts.request<ScaleDownOutcome[]>(host, { op: 'scale-down', app, pid: '' });
  }

  /** See {@link listHosts}. */
  listHosts(app: string): Promise<HostInfo[]> {
    return listHosts(this.registry, this.lookups, app);
  }

  inspectProcess(app: string, pid: string, options?: InspectOptions): Promise<ProcessInspection> {
    return this.processes.inspectProcess(app, pid, options);
  }

  deleteProcess(app: string, pid: string): Promise<void> {
    return this.processes.deleteProcess(app, pid);
  }

  /** See {@link TimerOperations.listTimers}. */
  listTimers(app: string, listing?: TimerListing): Promise<TimerDetailsPage> {
    return this.timers.listTimers(app, listing);
  }

  /** See {@link TimerOperations.cancelTimer}. */
  cancelTimer(app: string, pid: string, id: string): Promise<void> {
    return this.timers.cancelTimer(app, pid, id);
  }

  invoke<R = unknown>(app: string, fn: string, data?: unknown, options?: ClientInvokeOptions): Promise<R> {
    return this.calls.invoke<R>(app, fn, data, options);
  }

  send(app: string, pid: string, key: string | number, data: unknown): Promise<void> {
    return this.calls.send(app, pid, key, data);
  }

  /** See {@link ProcessOperations.watchProcesses}. */
  watchProcesses(
    app: string,
    listener: (event: ProcessWatchEvent) => void,
    options?: ProcessWatchOptions,
  ): Promise<Subscription> {
    return this.processes.watchProcesses(app, listener, options);
  }
}
