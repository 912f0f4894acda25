import {
  CodeLoadFailedError,
  ProcessClassNotFoundError,
  ProcessNotFoundError,
  validateName,
  type ProcessDefinition,
  type ProcessInfo,
  type Registry,
  type Transport,
} from '@praas/framework';
import { ProcessController, type ProcessControllerDeps } from '../process/process-controller';
import type { SnapshotRepository } from '../state/snapshot-repository';
import type { ActivationClaims, Claim } from './activation-claim';
import type { CodeVersions, ProcessCode } from './code-versions';
import type { HostOperations } from './control-handler';
import type { PeerHosts } from './peer-hosts';
import { recordInfo, type ProcessTable } from './process-table';

/** What every controller of the host shares; the life cycle adds the pid, definition and code. */
export type SharedControllerDeps = Omit<
  ProcessControllerDeps,
  'pid' | 'definition' | 'codeVersion' | 'incarnation' | 'directory'
>;

export interface ProcessLifecycleOptions {
  readonly app: string;
  readonly registry: Registry;
  readonly transport: Transport;
  readonly snapshots: SnapshotRepository;
  readonly table: ProcessTable;
  readonly code: CodeVersions;
  readonly claims: ActivationClaims;
  readonly peers: PeerHosts;
  readonly controllers: SharedControllerDeps;
}

/**
 * The life-cycle operations on the processes of one host (DESIGN §6): create, activate (swap in),
 * swap out, checkpoint, delete, and stopping them all. Each runs under its pid's lock in the
 * process table; claims in the registry decide which host may start a process.
 */
export class ProcessLifecycle implements HostOperations {
  constructor(private readonly options: ProcessLifecycleOptions) {}

  /**
   * Creates a fresh process; fails when the pid is taken. With deployed code, `incarnation` is the
   * application incarnation the gateway created it for.
   * @throws CodeLoadFailedError when the application's newest code does not load here.
   */
  async create(pid: string, processClass: string, incarnation?: string): Promise<ProcessInfo> {
    validateName('pid', pid);
    const { app, code, table, claims } = this.options;
    await code.expectIncarnation(incarnation, pid);
    code.assertNewestLoaded();
    const definition = code.newest.get(processClass);
    if (!definition) throw new ProcessClassNotFoundError(app, processClass, code.processClasses);
    const processCode = code.newestCode();
    return table.locked(pid, async () => {
      await claims.claimNew({ pid, processClass, ...processCode });
      try {
        // A reused pid must not inherit a deleted predecessor's snapshots or queued traffic.
        await this.options.snapshots.deleteAll(app, pid);
        const controller = await this.startController(pid, definition, processCode);
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
    const { table, claims, code } = this.options;
    return table.locked(pid, async () => {
      const current = table.local(pid);
      if (current && current.status === 'active') return table.info(current);
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
      const definition = (await code.definitionsFor(claim.previous)).get(claim.previous.processClass)!;
      try {
        const controller = await this.startController(pid, definition, code.codeOf(claim.previous));
        return table.info(controller);
      } catch (e) {
        await claims.release(claim);
        throw e;
      }
    });
  }

  /** Swaps a process hosted here out; returns its record afterwards (the registry's, when it is not here). */
  swapOut(pid: string): Promise<ProcessInfo> {
    const { table } = this.options;
    return table.locked(pid, async () => {
      const controller = table.local(pid);
      if (!controller) {
        const record = await this.options.registry.getProcess(this.options.app, pid);
        if (!record) throw new ProcessNotFoundError(this.options.app, pid);
        return recordInfo(record);
      }
      await controller.swapOut();
      table.remove(controller);
      return table.info(controller);
    });
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
      await registry.deleteProcess(app, pid);
    });
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
  ): Promise<ProcessController> {
    const { logger } = this.options.controllers;
    const controller = await ProcessController.start({
      ...this.options.controllers,
      directory: this.options.table,
      pid,
      // Every record of the process names it.
      ...(logger === undefined ? {} : { logger: logger.child({ pid }) }),
      definition,
      ...(code.version === undefined ? {} : { codeVersion: code.version }),
      ...(code.incarnation === undefined ? {} : { incarnation: code.incarnation }),
    });
    this.options.table.add(controller);
    return controller;
  }
}
