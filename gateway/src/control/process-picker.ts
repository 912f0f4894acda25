import { FunctionNotFoundError, type AppRecord, type Registry } from '@praas/framework/internal';
import type { HostProvider } from '../provisioning/host-provider';
import { classForInvoke, functionsOf } from './invoke-routing';
import type { ProcessOperations } from './process-operations';
import type { RegistryLookups } from './registry-lookups';

export interface ProcessPickerDeps {
  readonly registry: Registry;
  readonly provider: HostProvider;
  readonly lookups: RegistryLookups;
  readonly processes: ProcessOperations;
}

/** How many candidates one look at the registry offers the picker. */
const CANDIDATES = 100;

/**
 * FaaS-style routing of an invocation without a pid (PraaS's invoke): a process of the class that
 * has the function (or the class the caller named), active if there is one, else swapped, else a
 * new one. It looks at one page of each (`listProcessPage` with filters, which looks at a bounded
 * number of records), never at every process: an application of 100,000 processes costs it what
 * one of 5,000 does (DESIGN §6, scale rules). In a larger application a process beyond that page
 * is not found, and a swapped one or a new one serves instead.
 */
export class ProcessPicker {
  constructor(private readonly deps: ProcessPickerDeps) {}

  /** The pid an invocation of `fn` goes to, creating a process when the class has none. */
  async pick(appName: string, fn: string, requested: string | undefined): Promise<string> {
    const processClass = await this.classFor(await this.deps.lookups.app(appName), fn, requested);
    for (const status of ['active', 'swapped'] as const) {
      const { processes } = await this.deps.registry.listProcessPage(appName, {
        processClass,
        status,
        limit: CANDIDATES,
      });
      if (processes.length) return processes[Math.floor(Math.random() * processes.length)]!.pid;
    }
    return (await this.deps.processes.createProcess(appName, { processClass })).pid;
  }

  /**
   * The class an invocation without a pid goes to. When the application record knows no class
   * with the function and its code is a local module (no deployed version), the hosts may run
   * newer code than the record was written with (a restarted host, `praas-framework dev` after a
   * change): what they report decides before the call is refused. The record is not rewritten
   * here: hosts of one application may disagree for a while (some restarted with new code, some
   * not), and the look-up costs only calls the record cannot route.
   */
  private async classFor(app: AppRecord, fn: string, requested: string | undefined): Promise<string> {
    try {
      return classForInvoke(app, fn, requested);
    } catch (e) {
      if (!(e instanceof FunctionNotFoundError) || app.version !== undefined) throw e;
      const functions = functionsOf(await this.deps.provider.knownProcessClasses(app.name), app.processClasses);
      return classForInvoke({ ...app, functions }, fn, requested);
    }
  }
}
