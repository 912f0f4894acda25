import type { HostProvider, KnownProcessClass } from '../../src/provisioning/host-provider';

/** A host provider for unit tests: counts `ensureHosts` calls, runs `onEnsure` on each, reports `known()`. */
export function stubProvider(
  onEnsure: () => Promise<void> = () => Promise.resolve(),
  known: () => KnownProcessClass[] = () => [],
): HostProvider & { asked: number } {
  const provider = {
    asked: 0,
    async ensureHosts(): Promise<void> {
      provider.asked++;
      await onEnsure();
    },
    releaseHosts: () => Promise.resolve(),
    knownProcessClasses: (): Promise<KnownProcessClass[]> => Promise.resolve(known()),
    close: () => Promise.resolve(),
  };
  return provider;
}
