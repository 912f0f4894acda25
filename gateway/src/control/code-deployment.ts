import {
  bundleKey,
  InvalidArgumentError,
  newId,
  UnavailableError,
  unpackBundle,
  validateName,
  UPGRADE_POLICIES,
  type AppInfo,
  type AppRecord,
  type DeployOptions,
  type Logger,
  type Registry,
  type UpgradePolicy,
  type UpgradeReport,
} from '@praas/framework/internal';
import type { BundleStore } from '../bundles/bundle-store';
import { HOST_STALE_MS } from '../placement/least-loaded';
import type { HostControl } from './host-control';
import { DEFAULT_UPGRADE_WAVE, RollingUpgrade } from './rolling-upgrade';
import { functionsOf } from './invoke-routing';
import { appInfo } from './registry-lookups';

/**
 * Deployments (DESIGN §7): a code bundle stored in the hosts' object store and recorded as the
 * application's next version. Runtime hosts are not asked: they poll the application record.
 */
export class CodeDeployment {
  private readonly rolling: RollingUpgrade;

  constructor(
    private readonly registry: Registry,
    /** Where bundles go; without it, deployments are refused. */
    private readonly bundles: BundleStore | undefined,
    private readonly hosts: HostControl,
    private readonly logger: Logger,
  ) {
    this.rolling = new RollingUpgrade(registry, hosts, logger);
  }

  /**
   * Records a new version of an application's code: checks the bundle, stores it under
   * `_bundles/<app>/<incarnation>/<version>` and makes it the application's newest version, N+1
   * after N, creating the application (a new incarnation, with the manifest's process classes)
   * when it is missing. New processes get the newest version; existing ones move to it as
   * `options.upgrade` says (DESIGN §6, "Upgrades"): `none` pins them, `idle` (the default) moves
   * each at its next swap-in, `rolling` also swaps the active ones out and in again now, in waves.
   * The live hosts are asked to load the version at once (a host that misses it loads it at its next
   * heartbeat).
   * @returns the application, with `upgrade`: what the deploy did to its processes.
   * @throws DecodeError for bytes that are not a bundle; InvalidArgumentError when the bundle is of
   *   another application or an option is wrong; UnavailableError when this gateway has no object store.
   */
  async deployVersion(name: string, bundle: Uint8Array, options: DeployOptions = {}): Promise<AppInfo> {
    validateName('application', name);
    const policy = upgradePolicy(options.upgrade);
    const wave = waveSize(options.wave);
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
        ...(policy !== 'none'
          ? { upgradeTo: version }
          : current?.upgradeTo === undefined
            ? {}
            : { upgradeTo: current.upgradeTo }),
      };
      // Compare-and-set: a deletion in between must not be undone with the deleted incarnation.
      if ((await registry.updateApp(record, existing?.revision ?? 0)) === undefined) continue;
      await this.refreshHosts(name, version);
      const upgrade: UpgradeReport =
        policy === 'rolling'
          ? await this.rolling.run(name, version, wave)
          : { policy, moved: 0, failed: [], skipped: 0 };
      return { ...appInfo(record), upgrade };
    }
  }

  /** Asks the application's hosts to load `version` now; one that does not answer loads it at its next heartbeat. */
  private async refreshHosts(app: string, version: number): Promise<void> {
    // A host whose heartbeat is stale is dead or cut off: asking it would only wait out the timeout.
    const hosts = (await this.registry.listHosts(app)).filter((h) => Date.now() - h.heartbeatAt <= HOST_STALE_MS);
    await Promise.all(
      hosts.map(async (host) => {
        try {
          await this.hosts.request(host.id, { op: 'refresh-code', app, pid: '', version });
        } catch (e) {
          this.logger.warn('a host did not load the deployed version now; it does at its next heartbeat', {
            app,
            host: host.id,
            version,
            err: e,
          });
        }
      }),
    );
  }
}

/** The largest wave of a rolling upgrade. */
const MAX_WAVE = 1_000;

function upgradePolicy(value: string | undefined): UpgradePolicy {
  if (value === undefined) return 'idle';
  if (!(UPGRADE_POLICIES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`upgrade policy '${value}' is not one of ${UPGRADE_POLICIES.join(', ')}`, {
      upgrade: value,
    });
  return value as UpgradePolicy;
}

function waveSize(value: number | undefined): number {
  if (value === undefined) return DEFAULT_UPGRADE_WAVE;
  if (!Number.isInteger(value) || value < 1 || value > MAX_WAVE)
    throw new InvalidArgumentError(
      `the wave of a rolling upgrade must be a whole number from 1 to ${MAX_WAVE}, got ${value}`,
      {
        wave: value,
      },
    );
  return value;
}
