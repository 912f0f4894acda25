import {
  CodeLoadFailedError,
  ProcessClassNotFoundError,
  ProcessNotFoundError,
  processInfo,
  silentLogger,
  validateName,
  type ProcessDefinition,
  type ProcessInfo,
  type ProcessInspection,
  type Registry,
  type UpgradeError,
  type Logger,
  type Transport,
} from '@praas/framework/internal';
import { faultMessage, type FaultOrigin } from '../process/call-scope';
import { ProcessController, type ProcessControllerDeps } from '../process/process-controller';
import type { KnownGeneration, SnapshotRepository } from '../state/snapshot-repository';
import type { ActivationClaims, Claim } from './activation-claim';
import type { CodeVersions, ProcessCode } from './code-versions';
import type { CreateOptions, HostOperations } from './control-handler';
import type { PeerHosts } from './peer-hosts';
import type { ProcessInspector } from './process-inspector';
import type { ProcessTable } from './process-table';
import { startUpgraded } from './process-upgrade';
import { createDeclaredSchedules, deleteProcessTimers, type HostTimers } from '../timers/process-timers';

/** What every controller of the host shares; the life cycle adds the pid, definition and code. */
export type SharedControllerDeps = Omit<
  ProcessControllerDeps,
  'pid' | 'definition' | 'codeVersion' | 'incarnation' | 'directory'
>;

export interface ProcessLifecycleOptions {
  readonly inspector: ProcessInspector;
  readonly app: string;
  readonly registry: Registry;
  readonly transport: Transport;
  readonly snapshots: SnapshotRepository;
  readonly table: ProcessTable;
  readonly code: CodeVersions;
  readonly claims: ActivationClaims;
  readonly peers: PeerHosts;
  /** The application's timers: declared schedules are created with a process, and go with it. */
  readonly timers?: HostTimers;
  readonly controllers: SharedControllerDeps;
  /** After a look for newer code asked for by the control plane: writes the host's record (its code error) now. */
  readonly codeRefreshed?: () => Promise<void>;
}

/**
 * The life-cycle operations on the processes of one host (DESIGN §6): create, activate (swap in),
 * swap out, checkpoint, delete, and stopping them all. Each runs under its pid's lock in the
 * process table; claims in the registry decide which host may start a process.
 */
export class ProcessLifecycle implements HostOperations {
  /** Controllers whose fault restart is under way. */
  private readonly recycling = new Set<ProcessController>();

  constructor(private readonly options: ProcessLifecycleOptions) {}

  private get logger(): Logger | undefined {
    return this.options.controllers.logger;
  }

  /**
   * Creates a fresh process; fails when the pid is taken. With deployed code, `incarnation` is the
   * application incarnation the gateway created it for.
   * @throws CodeLoadFailedError when the application's newest code does not load here.
   */
  async create(pid: string, processClass: string, options: CreateOptions = {}): Promise<ProcessInfo> {
    validateName('pid', pid);
    const { app, code, table, claims } = this.options;
    await code.expectIncarnation(options.incarnation, pid);
    code.assertNewestLoaded();
    const definition = code.newest.get(processClass);
    if (!definition) throw new ProcessClassNotFoundError(app, processClass, code.processClasses);
    const processCode = code.newestCode();
    return table.locked(pid, async () => {
      await claims.claimNew({ pid, processClass, ...processCode });
      try {
        // A reused pid must not inherit a deleted predecessor's snapshots. A generated one has no
        // predecessor, and finding that out means listing the store (costly on some, e.g. s3rver).
        if (!options.generated) await this.options.snapshots.deleteAll(app, pid);
        const controller = await this.startController(pid, definition, processCode, 'fresh');
        if (this.options.timers) await createDeclaredSchedules(app, pid, definition, this.options.timers);
        this.logger?.info('created process', { pid, class: processClass, version: processCode.version });
        return table.info(controller);
      } catch (e) {
        await claims.releaseNew(pid);
        throw e;
      }
    });
  }

  /**
   * Makes a process active: a no-op when it is active here; when another live host holds it, that
   * host's info; else it is claimed and swapped in here from its newest snapshot. When this host
   * cannot load the process's code, it hands the activation on (unless it was handed on already).
   * @throws CodeLoadFailedError when neither this host nor another can load the process's code.
   */
  activate(pid: string, options: { forwarded?: boolean } = {}): Promise<ProcessInfo> {
    validateName('pid', pid);
    const { table } = this.options;
    return table.locked(pid, async () => {
      const current = table.local(pid);
      if (current && current.status === 'active') return table.info(current);
      return this.claimAndStart(pid, options);
    });
  }

  /** Claims `pid` and swaps it in here from its newest snapshot; call under its lock. */
  private async claimAndStart(pid: string, options: { forwarded?: boolean }): Promise<ProcessInfo> {
    const { table, claims, code } = this.options;
    let claim: Claim;
    try {
      claim = await claims.claim(pid);
    } catch (e) {
      if (options.forwarded || !(e instanceof CodeLoadFailedError)) throw e;
      const taken = await this.options.peers.handOn(pid);
      if (taken) return taken;
      throw e;
    }
    if (!claim.won) return claim.holder;
    const previous = claim.previous;
    const { host, status, generation } = previous;
    try {
      // The record names the generation it last committed: the newest snapshot is looked up by key.
      const known = { generation, exact: status === 'swapped' };
      const upgraded = await startUpgraded({
        app: this.options.app,
        code,
        previous,
        start: (definition, processCode) => this.startController(pid, definition, processCode, known),
        logger: this.logger,
      });
      let controller = upgraded.controller;
      if (!controller) {
        const definition = (await code.definitionsFor(previous)).get(previous.processClass)!;
        const upgradeError = upgraded.error ?? previous.upgradeError;
        controller = await this.startController(pid, definition, code.codeOf(previous), known, upgradeError);
      }
      // A record still held by another host means that host died: the process restarted from its last snapshot.
      const takeover = host !== undefined && host !== this.options.controllers.hostId && status !== 'swapped';
      if (takeover) this.logger?.warn('took over a process from a dead host', { pid, from: host, generation });
      this.logger?.info('activated process', {
        pid,
        class: controller.definition.name,
        generation: controller.generation,
      });
      return table.info(controller);
    } catch (e) {
      await claims.release(claim);
      throw e;
    }
  }

  /**
   * Moves an active process hosted here to code `version` (a rolling upgrade): swaps it out, once
   * its running calls finished (what arrives meanwhile waits in its backup queue), and in again at
   * once on the new code. A process not active here, or on that version already, is left as it is.
   * @returns its info afterwards, with `upgradeError` when it stayed on its old version.
   * @throws CodeLoadFailedError when `version` does not load here (the process is not touched).
   */
  async upgrade(pid: string, version: number): Promise<ProcessInfo> {
    validateName('pid', pid);
    const { table, code, registry, app } = this.options;
    await code.expectVersion(version);
    return table.locked(pid, async () => {
      const controller = table.local(pid);
      if (!controller) {
        const record = await registry.getProcess(app, pid);
        if (!record) throw new ProcessNotFoundError(app, pid);
        return processInfo(record);
      }
      if (controller.status !== 'active' || (controller.codeVersion ?? version) >= version)
        return table.info(controller);
      await controller.swapOut();
      table.remove(controller);
      return this.claimAndStart(pid, {});
    });
  }

  /**
   * Fault containment (DESIGN §6): the code of `controller` raised an error nobody handled. It is
   * logged with its stack, and the process restarts here from its last committed snapshot (what it
   * accepted since is lost, as at a host crash); the host and its other processes keep running.
   * Several faults of one incarnation restart it once.
   */
  private recycle(controller: ProcessController, error: unknown, origin: FaultOrigin): void {
    const { table } = this.options;
    const { pid } = controller;
    const logger = this.options.controllers.logger ?? silentLogger;
    const restarting = this.recycling.has(controller);
    logger.error(
      `${faultMessage(pid, origin)}; ${restarting ? 'it is restarting already' : 'it restarts from its last committed snapshot'}, the host and its other processes keep running`,
      { pid, err: error },
    );
    if (restarting) return;
    this.recycling.add(controller);
    void table
      .locked(pid, async () => {
        if (table.local(pid) !== controller || controller.status === 'deleted') return;
        await controller.stop();
        table.remove(controller);
        await this.claimAndStart(pid, {});
        logger.info(`process '${pid}' restarted from its last committed snapshot after a fault of its code`, { pid });
      })
      .catch((e: unknown) =>
        logger.error(`process '${pid}' could not restart after a fault of its code; the next activation tries again`, {
          pid,
          err: e,
        }),
      )
      .finally(() => this.recycling.delete(controller));
  }

  /** Swaps a process hosted here out; returns its record afterwards (the registry's, when it is not here). */
  swapOut(pid: string): Promise<ProcessInfo> {
    const { table } = this.options;
    return table.locked(pid, async () => {
      const controller = table.local(pid);
      if (!controller) {
        const record = await this.options.registry.getProcess(this.options.app, pid);
        if (!record) throw new ProcessNotFoundError(this.options.app, pid);
        return processInfo(record);
      }
      await controller.swapOut();
      table.remove(controller);
      return table.info(controller);
    });
  }

  /** Looks for newer code in the application record now. */
  async refreshCode(): Promise<void> {
    await this.options.code.refresh();
    await this.options.codeRefreshed?.();
  }

  /** Writes a checkpoint of a process hosted here. */
  checkpoint(pid: string): Promise<ProcessInfo> {
    const { table } = this.options;
    return table.locked(pid, async () => {
      const controller = table.local(pid);
      if (!controller) throw new ProcessNotFoundError(this.options.app, pid);
      await controller.checkpoint();
      return table.info(controller);
    });
  }

  /** Deletes a process: stops it if hosted here, removes its snapshots, backup queue and record. */
  delete(pid: string): Promise<void> {
    validateName('pid', pid);
    const { app, table, registry } = this.options;
    return table.locked(pid, async () => {
      const record = await registry.getProcess(app, pid);
      const controller = table.local(pid);
      if (!record && !controller) throw new ProcessNotFoundError(app, pid);
      if (controller) {
        await controller.stop();
        table.remove(controller);
      }
      await this.options.snapshots.deleteAll(app, pid);
      await this.options.transport.backup.purge(app, pid);
      if (this.options.timers) await deleteProcessTimers(this.options.timers.store, app, pid);
      await registry.deleteProcess(app, pid);
      this.logger?.info('deleted process', { pid });
    });
  }

  /** A process's state, live when it is active here, else from its newest committed snapshot (not swapped in). */
  inspect(pid: string, maxChars?: number): Promise<ProcessInspection> {
    return this.options.inspector.inspect(pid, maxChars);
  }

  /** The processes hosted here. */
  describe(): ProcessInfo[] {
    const { table } = this.options;
    return table.list().map((c) => table.info(c));
  }

  /**
   * Stops every process hosted here: swapped out (`swapOut`, nothing is lost), or dropped, to come
   * back from its last committed snapshot.
   */
  async stopAll(swapOut: boolean): Promise<void> {
    const { table } = this.options;
    if (table.size > 0)
      this.logger?.info(swapOut ? 'swapping every process out' : 'dropping every process', { processes: table.size });
    await Promise.all(
      table.pids().map((pid) =>
        table.locked(pid, async () => {
          const controller = table.local(pid);
          if (!controller) return;
          if (swapOut && controller.status === 'active') await controller.swapOut();
          else await controller.stop();
          table.remove(controller);
        }),
      ),
    );
  }

  private async startController(
    pid: string,
    definition: ProcessDefinition,
    code: ProcessCode,
    startFrom: 'fresh' | KnownGeneration,
    upgradeError?: UpgradeError,
  ): Promise<ProcessController> {
    const { logger } = this.options.controllers;
    const controller = await ProcessController.start({
      ...this.options.controllers,
      startFrom,
      directory: this.options.table,
      pid,
      // Every record of the process names it.
      ...(logger === undefined ? {} : { logger: logger.child({ pid }) }),
      definition,
      onFault: (controller, error, origin) => this.recycle(controller, error, origin),
      ...(code.version === undefined ? {} : { codeVersion: code.version }),
      ...(code.incarnation === undefined ? {} : { incarnation: code.incarnation }),
      ...(upgradeError === undefined ? {} : { upgradeError }),
    });
    this.options.table.add(controller);
    return controller;
  }
}
