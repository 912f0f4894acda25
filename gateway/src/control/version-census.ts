import type { Registry, UpgradeFailure, VersionCount, VersionsReport } from '@praas/framework/internal';
import type { RegistryLookups } from './registry-lookups';

/** Failed upgrades listed in a report, at most. */
const FAILED_LISTED = 100;
const PAGE_LIMIT = 1_000;

/**
 * `praas-framework versions <app>` (DESIGN §6, "Upgrades"): how many processes run each code
 * version with each state version, and which ones an upgrade could not move. It pages through every
 * process record: O(processes), for an operator's command, never on a hot path.
 */
export async function versionCensus(
  registry: Registry,
  lookups: RegistryLookups,
  app: string,
): Promise<VersionsReport> {
  const record = await lookups.app(app);
  const counts = new Map<string, { version?: number; stateVersion?: number; processes: number; active: number }>();
  const failed: UpgradeFailure[] = [];
  let failedTotal = 0;
  const seen = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await registry.listProcessPage(app, {
      limit: PAGE_LIMIT,
      ...(cursor === undefined ? {} : { cursor }),
    });
    cursor = page.cursor;
    for (const p of page.processes) {
      // A record changed during the walk may come again: each process counts once.
      if (p.status === 'deleted' || seen.has(p.pid)) continue;
      seen.add(p.pid);
      const key = `${p.version ?? 0}/${p.stateVersion ?? 0}`;
      const count = counts.get(key) ?? {
        ...(p.version === undefined ? {} : { version: p.version }),
        ...(p.stateVersion === undefined ? {} : { stateVersion: p.stateVersion }),
        processes: 0,
        active: 0,
      };
      count.processes++;
      if (p.status === 'active') count.active++;
      counts.set(key, count);
      if (p.upgradeError) {
        failedTotal++;
        if (failed.length < FAILED_LISTED) failed.push({ pid: p.pid, ...p.upgradeError });
      }
    }
  } while (cursor !== undefined);
  const ordered: VersionCount[] = [...counts.values()].sort(
    (a, b) => (a.version ?? 0) - (b.version ?? 0) || (a.stateVersion ?? 0) - (b.stateVersion ?? 0),
  );
  return {
    app,
    ...(record.version === undefined ? {} : { newest: record.version }),
    ...(record.upgradeTo === undefined ? {} : { upgradeTo: record.upgradeTo }),
    counts: ordered,
    failed,
    failedTotal,
  };
}
