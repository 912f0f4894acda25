import { processSubject, type ProcessInfo } from '@praas/framework/internal';
import type { ProcessController, ProcessDirectory } from '../process/process-controller';
import { KeyedSerialQueue } from './serial-queue';

/**
 * The processes a host holds right now, by pid, and the per-pid lock under which every life-cycle
 * operation (create, activate, swap, checkpoint, delete, fencing, stop) changes them: operations on
 * one process run one after another, those on different processes side by side. Controllers find
 * each other here for direct local calls.
 */
export class ProcessTable implements ProcessDirectory {
  private readonly controllers = new Map<string, ProcessController>();
  private readonly locks = new KeyedSerialQueue();

  constructor(
    readonly app: string,
    readonly hostId: string,
  ) {}

  /** The controller of `pid` when it is hosted here, whatever its status. */
  local(pid: string): ProcessController | undefined {
    return this.controllers.get(pid);
  }

  /** Processes hosted here right now. */
  list(): ProcessController[] {
    return [...this.controllers.values()];
  }

  /** Pids hosted here right now. */
  pids(): string[] {
    return [...this.controllers.keys()];
  }

  get size(): number {
    return this.controllers.size;
  }

  /** Records a controller as hosted here; call under `locked(pid)`. */
  add(controller: ProcessController): void {
    this.controllers.set(controller.pid, controller);
  }

  /** Forgets a controller; call under `locked(pid)`. Only `controller` itself is removed, not a successor. */
  remove(controller: ProcessController): void {
    if (this.controllers.get(controller.pid) === controller) this.controllers.delete(controller.pid);
  }

  /** Runs `task` once the operations on `pid` queued before it settled. */
  locked<T>(pid: string, task: () => Promise<T>): Promise<T> {
    return this.locks.run(pid, task);
  }

  /** A hosted process's info as clients see it. */
  info(controller: ProcessController): ProcessInfo {
    return {
      app: this.app,
      pid: controller.pid,
      processClass: controller.definition.name,
      status: controller.status,
      address: processSubject(this.app, controller.pid),
      generation: controller.generation,
      ...(controller.status === 'active' ? { host: this.hostId } : {}),
      ...(controller.codeVersion === undefined
        ? {}
        : { version: controller.codeVersion, stateVersion: controller.definition.version }),
      ...(controller.upgradeError === undefined ? {} : { upgradeError: controller.upgradeError }),
    };
  }
}
