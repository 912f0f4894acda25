import type { ApplicationManifest, ManifestProcess } from './application-manifest';

/** The state version of a class in a manifest: manifests from before versions were recorded hold 1. */
function stateVersionOf(process: ManifestProcess): number {
  return process.stateVersion ?? 1;
}

/**
 * What `praas-framework build` finds wrong with the state of the new build against the previous
 * one in the output directory (DESIGN §6, "Upgrades"), one sentence per class: a `@State` field
 * removed or given another type while the class's state version stayed the same (snapshots of the
 * deployed processes would lose that field, or come back as the wrong type, instead of going
 * through a migration), or a state version lowered (the processes' snapshots would be refused). A
 * field added needs no migration: processes swapped in get its initial value. Registering the class
 * already checks that it has a migration from each older version.
 */
export function stateChangeProblems(previous: ApplicationManifest, next: ApplicationManifest): string[] {
  const problems: string[] = [];
  const before = new Map(previous.processes.map((p) => [p.name, p]));
  for (const process of next.processes) {
    const old = before.get(process.name);
    if (!old) continue;
    const [from, to] = [stateVersionOf(old), stateVersionOf(process)];
    if (to < from) {
      problems.push(
        `'${process.name}' lowered its state version from ${from} to ${to}: processes whose snapshots are of version ${from} would be refused (STATE_VERSION_TOO_NEW)`,
      );
      continue;
    }
    if (to > from) continue;
    const types = new Map(process.state.map((f) => [f.field, f.type]));
    const removed = old.state.filter((f) => !types.has(f.field)).map((f) => f.field);
    const retyped = old.state
      .filter((f) => types.has(f.field) && types.get(f.field) !== f.type)
      .map((f) => `${f.field} (${f.type ?? 'plain'} -> ${types.get(f.field) ?? 'plain'})`);
    if (removed.length === 0 && retyped.length === 0) continue;
    const changes = [
      ...(removed.length ? [`removed ${removed.join(', ')}`] : []),
      ...(retyped.length ? [`changed the type of ${retyped.join(', ')}`] : []),
    ].join(' and ');
    problems.push(
      `'${process.name}' ${changes} but kept state version ${from}: raise it, @Process({ version: ${from + 1} }), ` +
        `and add @Migrate(${from}) to carry the state of deployed processes over`,
    );
  }
  return problems;
}
