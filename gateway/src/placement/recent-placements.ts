import type { HostRecord } from '@praas/framework';
import { HOST_STALE_MS } from './least-loaded';

/**
 * Processes this control plane placed on hosts that the hosts' heartbeats do not count yet. A
 * host reports its load only with its next heartbeat (every 2 s by default), so without this
 * every process created in a burst (`Promise.all` of creates, or a loop) would go to the one host
 * that looked least loaded at the start of the burst.
 */
export class RecentPlacements {
  /** Times of placements per host id, oldest first. */
  private readonly placed = new Map<string, number[]>();

  /** Notes that a process was just placed on `hostId`. */
  record(hostId: string, now = Date.now()): void {
    const times = this.placed.get(hostId) ?? [];
    times.push(now);
    this.placed.set(hostId, times);
  }

  /** The host records with `activeProcesses` raised by the placements made after their heartbeat. */
  adjust(hosts: readonly HostRecord[], now = Date.now()): HostRecord[] {
    for (const [id, times] of this.placed) {
      const fresh = times.filter((t) => now - t <= HOST_STALE_MS);
      if (fresh.length) this.placed.set(id, fresh);
      else this.placed.delete(id);
    }
    return hosts.map((h) => {
      const pending = (this.placed.get(h.id) ?? []).filter((t) => t >= h.heartbeatAt).length;
      return pending ? { ...h, activeProcesses: h.activeProcesses + pending } : h;
    });
  }
}
