import {
  DataPlaneClient,
  newId,
  silentLogger,
  validateName,
  type HostCodeError,
  type Logger,
  type ProcessInfo,
} from '@praas/framework/internal';
import { warn } from '../log/warn';
import { HostMetrics } from '../metrics/host-metrics';
import { hostMetricsSource } from '../metrics/host-metrics-source';
import { HostTimerService } from '../timers/host-timer-service';
import type { ProcessController, ProcessDirectory } from '../process/process-controller';
import { SnapshotRepository } from '../state/snapshot-repository';
import { StateTypeCheck, UNTYPED_STATE_WARNING } from '../state/state-type-check';
import { ActivationClaims } from './activation-claim';
import { registerApp } from './app-registration';
import { CodeVersions } from './code-versions';
import { ControlHandler, type CreateOptions } from './control-handler';
import { Fencing } from './fencing';
import { Heartbeat } from './heartbeat';
import { HostDownScaling } from './host-down-scaling';
import { hostDataPlane, type HostDataPlane } from './host-data-plane';
import { PeerHosts } from './peer-hosts';
import { ProcessInspector } from './process-inspector';
import { ProcessLifecycle } from './process-lifecycle';
import { ProcessTable } from './process-table';
import type { RuntimeHostOptions } from './runtime-host-options';

export type { RuntimeHostOptions } from './runtime-host-options';

/**
 * A runtime host (DESIGN §3): one Node.js process that hosts many cloud processes of one
 * application. It takes control requests (create, activate, swap, delete) on its own subject and
 * activation requests on the application's queue group, and heartbeats into the registry.
 *
 * The host only wires its collaborators, each with one role: {@link CodeVersions} (which code
 * runs), {@link ProcessTable} (the processes held here, a lock per pid), {@link ActivationClaims}
 * and {@link PeerHosts} (which host may start a process), {@link ProcessLifecycle} (create,
 * activate, swap, checkpoint, delete), {@link Fencing}, {@link Heartbeat} and
 * {@link ControlHandler} (the control wire).
 */
export class RuntimeHost implements ProcessDirectory {
  readonly app: string;
  readonly id: string;
  readonly snapshots: SnapshotRepository;
  /** This host's metrics, for its `/metrics` endpoint. */
  readonly metrics: HostMetrics;
  private readonly logger: Logger;
  private readonly code: CodeVersions;
  private readonly table: ProcessTable;
  private readonly lifecycle: ProcessLifecycle;
  private readonly fencing: Fencing;
  private readonly heartbeat: Heartbeat;
  private readonly control: ControlHandler;
  private readonly timers: HostTimerService;
  /** What the host sends and serves through: the options' transport, or the direct data plane around it. */
  private readonly plane: HostDataPlane;

  constructor(private readonly options: RuntimeHostOptions) {
    const app = (this.app = validateName('application', options.app));
    const hostId = (this.id = validateName('host id', options.hostId ?? `host-${newId().slice(0, 8)}`));
    const { registry, log } = options;
    const logger = (this.logger = (options.logger ?? silentLogger).child({ app, host: hostId }));
    this.plane = hostDataPlane(options.dataPlane ?? 'nats', {
      app,
      hostId,
      transport: options.transport,
      registry,
      ...(log ? { log } : {}),
    });
    const { transport } = this.plane;
    const metrics = (this.metrics =
      options.metrics ?? new HostMetrics({ app, host: hostId }, { defaultMetrics: false }));
    this.code = new CodeVersions({
      app,
      hostId,
      registry,
      logger,
      processes: options.processes,
      code: options.code,
      log,
    });
    this.snapshots = new SnapshotRepository(options.store, { logger, ...options.snapshots });
    const table = (this.table = new ProcessTable(app, hostId));
    const dataPlane = new DataPlaneClient(transport, registry, app);
    const timers = (this.timers = new HostTimerService({ app, hostId, dataPlane, logger, metrics }, options.timers));
    const peers = new PeerHosts({
      app,
      hostId,
      transport,
      registry,
      hostStaleMs: options.hostStaleMs,
      requestTimeoutMs: options.claimTimeoutMs,
    });
    const claims = new ActivationClaims({
      app,
      hostId,
      registry,
      code: this.code,
      peers,
      logger,
      claimTimeoutMs: options.claimTimeoutMs,
    });
    this.lifecycle = new ProcessLifecycle({
      app,
      inspector: new ProcessInspector({ app, hostId, registry, table, snapshots: this.snapshots }),
      registry,
      transport,
      snapshots: this.snapshots,
      table,
      code: this.code,
      claims,
      peers,
      // The deploy's request to load a version: the record says at once whether it loads here.
      codeRefreshed: () => this.heartbeat.beat(),
      timers,
      controllers: {
        app,
        hostId,
        transport,
        registry,
        snapshots: this.snapshots,
        stateTypes: new StateTypeCheck((message) => warn(UNTYPED_STATE_WARNING, message, logger)),
        dataPlane,
        logger,
        metrics,
        timers,
        ...(options.controller ? { options: options.controller } : {}),
      },
    });
    this.fencing = new Fencing({ app, hostId, registry, table, logger });
    this.heartbeat = new Heartbeat({
      app,
      hostId,
      registry,
      table,
      code: this.code,
      unloadUnused: () => this.code.unloadUnused(codeVersionsIn(table)),
      fencing: this.fencing,
      logger,
      log,
      intervalMs: options.heartbeatMs,
      // A beat that comes this long after the previous one may follow a time in which the others
      // counted this host as dead and took its processes over: it fences.
      fenceAfterGapMs: (options.hostStaleMs ?? 10_000) / 2,
      memoryBudgetBytes: options.memoryBudgetBytes,
      dataAddress: () => this.dataAddress,
    });
    const downScaling = new HostDownScaling({
      table,
      swapOut: (pid) => this.lifecycle.swapOut(pid),
      memoryBudgetBytes: options.memoryBudgetBytes,
    });
    this.control = new ControlHandler(app, hostId, this.lifecycle, logger, downScaling);
    metrics.attach(
      hostMetricsSource(
        () => table.list(),
        () => this.plane.direct?.transport.connections ?? 0,
      ),
    );
  }

  /** Names of the process classes this host can run (those of the newest code version). */
  get processClasses(): string[] {
    return this.code.processClasses;
  }

  /** Function names of each process class this host can run (those of the newest code version). */
  get functions(): Record<string, string[]> {
    return this.code.functions;
  }

  /** `host:port` of this host's direct data plane once started; undefined on the NATS data plane. */
  get dataAddress(): string | undefined {
    return this.plane.direct?.transport.address;
  }

  /** The newest deployed code version loaded here; undefined for a host with a local module. */
  get codeVersion(): number | undefined {
    return this.code.codeVersion;
  }

  /**
   * Why this host cannot load its application's newest deployed code version, while it cannot;
   * the host then creates no processes, and its heartbeat and health check say so.
   */
  get codeError(): HostCodeError | undefined {
    return this.code.codeError;
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
    return this.code.refresh();
  }

  /**
   * Starts serving: with a local module, registers the application first; with deployed code,
   * loads the newest version first. A host whose newest version does not load starts all the same:
   * it reports why (`codeError`, its heartbeat), answers creates with CODE_LOAD_FAILED, and loads
   * the next version deployed.
   * @throws InvalidArgumentError with deployed code, when the application has no deployed version.
   */
  async start(): Promise<void> {
    const { registry, log } = this.options;
    if (this.options.processes) {
      const { processClasses, functions } = this.code;
      await registerApp({
        app: this.app,
        hostId: this.id,
        registry,
        processClasses,
        functions,
        logger: this.logger,
        log,
      });
    }
    await this.code.start();
    const { direct } = this.plane;
    if (direct) {
      await direct.routes.start(this.app);
      await direct.transport.listen();
    }
    await this.control.serve(this.plane.transport);
    await this.heartbeat.start();
    this.timers.start();
  }

  /**
   * Stops the host. With `swapOut` (the default) every process is swapped out first, so nothing is
   * lost; without it processes are dropped and come back from their last committed snapshot.
   */
  async stop(options: { swapOut?: boolean } = {}): Promise<void> {
    await this.timers.stop();
    await this.heartbeat.stop();
    await this.control.close();
    await this.lifecycle.stopAll(options.swapOut !== false);
    await this.heartbeat.deregister();
    await this.plane.direct?.transport.close();
    await this.snapshots.idle();
  }

  /** The controller of a process hosted here, for direct local calls. */
  local(pid: string): ProcessController | undefined {
    return this.table.local(pid);
  }

  /** Processes hosted here right now. */
  list(): ProcessController[] {
    return this.table.list();
  }

  /**
   * Creates a fresh process; fails when the pid is taken. With deployed code, `incarnation` is the
   * application incarnation the gateway created it for: a host that has not seen it yet looks at
   * the application record first, so it never creates a process with the code of a deleted one.
   * With `generated`, the control plane generated the pid, and its earlier snapshots are not looked for.
   * @throws CodeLoadFailedError when the application's newest code does not load here.
   */
  create(pid: string, processClass: string, options: CreateOptions = {}): Promise<ProcessInfo> {
    return this.lifecycle.create(pid, processClass, options);
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
    return this.lifecycle.activate(pid, options);
  }

  /** Swaps a process hosted here out; returns its record afterwards. */
  swapOut(pid: string): Promise<ProcessInfo> {
    return this.lifecycle.swapOut(pid);
  }

  /** Moves an active process hosted here to code `version` (a rolling upgrade's step); see ProcessLifecycle.upgrade. */
  upgrade(pid: string, version: number): Promise<ProcessInfo> {
    return this.lifecycle.upgrade(pid, version);
  }

  /** Writes a checkpoint of a process hosted here. */
  checkpoint(pid: string): Promise<ProcessInfo> {
    return this.lifecycle.checkpoint(pid);
  }

  /** Deletes a process: stops it if hosted here, removes its snapshots, backup queue and record. */
  delete(pid: string): Promise<void> {
    return this.lifecycle.delete(pid);
  }

  /**
   * After a reconnect to NATS: every live process reads its backup queue again, since notices of
   * appends published while this host was cut off never arrive.
   */
  natsReconnected(): void {
    for (const controller of this.table.list()) controller.recheckBackup();
  }

  /** Writes a heartbeat now (tests and the down-scaling policy read it). */
  heartbeatNow(): Promise<void> {
    return this.heartbeat.beat();
  }

  /**
   * Fencing: a process the registry now places on another host was taken over while this host was
   * cut off (e.g. from NATS). The copy here is stale; it is dropped without a snapshot, so that
   * only the new holder serves it. Runs with every heartbeat.
   */
  fence(): Promise<string[]> {
    return this.fencing.fence();
  }
}

/** The code versions the processes of `table` run. */
function codeVersionsIn(table: ProcessTable): Set<number> {
  const versions = new Set<number>();
  for (const controller of table.list()) if (controller.codeVersion !== undefined) versions.add(controller.codeVersion);
  return versions;
}
