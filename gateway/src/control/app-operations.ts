import {
  AlreadyExistsError,
  incarnationBundlePrefix,
  newId,
  UnavailableError,
  validateName,
  type AppInfo,
  type AppRecord,
  type CreateAppOptions,
  type Registry,
} from '@praas/framework/internal';
import type { BundleStore } from '../bundles/bundle-store';
import type { HostPlacement } from '../placement/host-placement';
import type { HostProvider } from '../provisioning/host-provider';
import type { DataPlaneClients } from './data-plane-clients';
import { functionsOf, recordedClasses } from './invoke-routing';
import type { ProcessOperations } from './process-operations';
import { appInfo, type RegistryLookups } from './registry-lookups';

export interface AppOperationsDeps {
  readonly registry: Registry;
  readonly provider: HostProvider;
  readonly lookups: RegistryLookups;
  readonly placement: HostPlacement;
  readonly processes: ProcessOperations;
  readonly clients: DataPlaneClients;
  readonly bundles?: BundleStore;
}

/**
 * The application operations of the control plane (DESIGN §4): create, list, get, delete. An
 * application is a registry record; creating one needs no runtime host, and every creation of a
 * name is a new incarnation that shares nothing with a deleted one of that name.
 */
export class AppOperations {
  constructor(private readonly deps: AppOperationsDeps) {}

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
    const { registry, provider } = this.deps;
    for (;;) {
      const existing = await registry.getAppVersioned(name);
      const adopted = existing?.record;
      if (adopted && adopted.createdByHost === undefined) throw new AlreadyExistsError('application', name);
      const known = await provider.knownProcessClasses(name);
      const classes = options.processClasses ?? adopted?.processClasses ?? known.map((k) => k.name);
      const record: AppRecord = {
        name,
        incarnation: adopted?.incarnation ?? newId(),
        createdAt: adopted?.createdAt ?? Date.now(),
        processClasses: [...classes],
        // What the live hosts report now, else what the host that registered the application recorded.
        functions: { ...functionsOf(recordedClasses(adopted), classes), ...functionsOf(known, classes) },
      };
      if ((await registry.updateApp(record, existing?.revision ?? 0)) !== undefined) return appInfo(record);
      // A host registered, or someone else created it, in between: look again.
    }
  }

  async listApps(): Promise<AppInfo[]> {
    return Promise.all((await this.deps.registry.listApps()).map((record) => this.withCodeErrors(record)));
  }

  async getApp(name: string): Promise<AppInfo> {
    return this.withCodeErrors(await this.deps.lookups.app(name));
  }

  /**
   * Deletes an application for good: its processes with their swapped state, its record, and the
   * code bundles of its incarnation. A later application of the same name is a new incarnation and
   * shares nothing with it; runtime hosts drop the code they loaded of this one when they see that.
   * @throws UnavailableError, before anything is deleted, when the application has deployed code
   *   and this gateway has no object store to delete it from.
   */
  async deleteApp(name: string): Promise<void> {
    const app = await this.deps.lookups.app(name);
    const { bundles, registry } = this.deps;
    if (app.version !== undefined && !bundles) {
      throw new UnavailableError(
        `application '${name}' has deployed code, which this gateway cannot delete: it has no object store; ` +
          'delete it through a gateway started with PRAAS_S3_ENDPOINT, PRAAS_S3_ACCESS_KEY and PRAAS_S3_SECRET_KEY',
        { details: { app: name } },
      );
    }
    for (const p of await registry.listProcesses(name)) await this.deps.processes.deleteProcess(name, p.pid);
    await this.deps.provider.releaseHosts(name);
    await registry.deleteApp(name);
    this.deps.clients.forget(name);
    // After the record: from here on no host loads a version of this incarnation any more.
    if (bundles) await bundles.deletePrefix(incarnationBundlePrefix(name, app.incarnation));
  }

  /** The application as clients see it: its record, and the live hosts that cannot load its code. */
  private async withCodeErrors(record: AppRecord): Promise<AppInfo> {
    return appInfo(record, await this.deps.placement.codeErrors(record.name));
  }
}
