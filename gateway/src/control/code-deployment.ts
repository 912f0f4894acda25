import {
  bundleKey,
  InvalidArgumentError,
  newId,
  UnavailableError,
  unpackBundle,
  validateName,
  type AppInfo,
  type AppRecord,
  type Registry,
} from '@praas/framework/internal';
import type { BundleStore } from '../bundles/bundle-store';
import { functionsOf } from './invoke-routing';
import { appInfo } from './registry-lookups';

/**
 * Deployments (DESIGN §7): a code bundle stored in the hosts' object store and recorded as the
 * application's next version. Runtime hosts are not asked: they poll the application record.
 */
export class CodeDeployment {
  constructor(
    private readonly registry: Registry,
    /** Where bundles go; without it, deployments are refused. */
    private readonly bundles: BundleStore | undefined,
  ) {}

  /**
   * Records a new version of an application's code: checks the bundle, stores it under
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
    const { bundles, registry } = this;
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
      if ((await registry.updateApp(record, existing?.revision ?? 0)) !== undefined) return appInfo(record);
    }
  }
}
