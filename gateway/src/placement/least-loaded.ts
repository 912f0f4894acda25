import type { HostRecord } from '@praas/framework/internal';

/** Hosts whose last heartbeat is older than this are treated as gone. */
export const HOST_STALE_MS = 10_000;

/** Picks the live host with the fewest active processes; undefined when none is live. */
export function pickLeastLoaded(
  hosts: readonly HostRecord[],
  now = Date.now(),
  staleMs = HOST_STALE_MS,
): HostRecord | undefined {
  let best: HostRecord | undefined;
  for (const h of hosts) {
    if (now - h.heartbeatAt > staleMs) continue;
    if (!best || h.activeProcesses < best.activeProcesses) best = h;
  }
  return best;
}
