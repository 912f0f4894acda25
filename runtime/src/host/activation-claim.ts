import {
  AlreadyExistsError,
  ProcessClassNotFoundError,
  ProcessNotFoundError,
  ProcessUnavailableError,
  type Logger,
  type ProcessInfo,
  type ProcessRecord,
  type Registry,
} from '@praas/framework/internal';
import type { CodeVersions } from './code-versions';
import type { PeerHosts } from './peer-hosts';

/** Outcome of trying to claim a process for activation on this host. */
export type Claim =
  | { readonly won: true; readonly previous: ProcessRecord; readonly revision: number }
  | { readonly won: false; readonly holder: ProcessInfo };

export interface ActivationClaimsOptions {
  readonly app: string;
  readonly hostId: string;
  readonly registry: Registry;
  readonly code: CodeVersions;
  readonly peers: PeerHosts;
  /** How long a claim waits for another host to finish swapping the process out (default 30 000 ms). */
  readonly claimTimeoutMs?: number | undefined;
  readonly logger: Logger;
}

const HELD_STATUSES: ReadonlySet<string> = new Set(['active', 'swapping-in', 'swapping-out']);
const CLAIM_POLL_MS = 20;

/**
 * Who may swap a process in (DESIGN §5, §6): a host claims a process in the registry with a
 * compare-and-set on its record (status `swapping-in`, host = itself) before it starts it, so two
 * hosts never serve one process. A process a live host holds is that host's to answer for; one
 * whose holder died is taken over from its last committed snapshot.
 */
export class ActivationClaims {
  constructor(private readonly options: ActivationClaimsOptions) {}

  /**
   * Claims an existing process for this host, or names the live host that holds it. Waits while
   * another live host swaps it out (its backup queue is read again only at the next swap-in).
   * @throws ProcessNotFoundError when there is no such process; ProcessClassNotFoundError when its
   * class is not in its code; ProcessUnavailableError when a swap-out elsewhere does not end in time.
   */
  async claim(pid: string): Promise<Claim> {
    const { app, hostId, registry, peers } = this.options;
    const deadline = Date.now() + (this.options.claimTimeoutMs ?? 30_000);
    for (;;) {
      const found = await registry.getProcessVersioned(app, pid);
      if (!found || found.record.status === 'deleted') throw new ProcessNotFoundError(app, pid);
      const { record, revision } = found;
      const definitions = await this.options.code.definitionsFor(record);
      if (!definitions.has(record.processClass)) {
        throw new ProcessClassNotFoundError(app, record.processClass, [...definitions.keys()]);
      }
      let heldElsewhere =
        record.host !== undefined &&
        record.host !== hostId &&
        HELD_STATUSES.has(record.status) &&
        (await peers.alive(record.host));
      if (heldElsewhere && record.status !== 'swapping-out') {
        // The holder answers the activation itself; a holder nobody serves any more died (its
        // heartbeat may not be stale yet), and the process is taken over from its last snapshot.
        const answer = await peers.activate(record.host!, pid);
        if (answer !== 'gone') return { won: false, holder: answer };
        heldElsewhere = false;
      }
      if (heldElsewhere) {
        if (Date.now() > deadline) throw new ProcessUnavailableError(app, pid, record.status);
        await new Promise((resolve) => setTimeout(resolve, CLAIM_POLL_MS));
        continue;
      }
      const claimed = await registry.updateProcess(
        { ...record, status: 'swapping-in', host: hostId, updatedAt: Date.now() },
        revision,
      );
      if (claimed !== undefined) return { won: true, previous: record, revision: claimed };
      // Another host wrote the record first: look again.
    }
  }

  /**
   * Gives a won claim back (the process did not start here): its record is put back as it was, so
   * another activation can try again. A failure to do so is logged: the record then still names
   * this host, which claims it again at the next activation (other hosts ask this one).
   */
  async release(claim: Extract<Claim, { won: true }>): Promise<void> {
    try {
      await this.options.registry.updateProcess({ ...claim.previous, updatedAt: Date.now() }, claim.revision);
    } catch (e) {
      this.options.logger.warn('cannot give back the claim of a process that failed to start', {
        pid: claim.previous.pid,
        err: e,
      });
    }
  }

  /**
   * Claims a pid for a new process: writes its first record (status `swapping-in` on this host)
   * atomically, so two hosts creating the same pid at once cannot both win.
   * @throws AlreadyExistsError when the pid is taken.
   */
  async claimNew(record: Omit<ProcessRecord, 'app' | 'status' | 'host' | 'generation' | 'updatedAt'>): Promise<void> {
    const { app, hostId, registry } = this.options;
    const first = (): ProcessRecord => ({
      app,
      ...record,
      status: 'swapping-in',
      host: hostId,
      generation: 0,
      updatedAt: Date.now(),
    });
    // A new pid has no record: one write claims it. Only when that fails is the record read, since
    // a registry may keep a deleted process's record, which a new process may take over.
    if ((await registry.updateProcess(first(), 0)) !== undefined) return;
    const existing = await registry.getProcessVersioned(app, record.pid);
    if (!existing || existing.record.status !== 'deleted') throw new AlreadyExistsError('process', record.pid);
    if ((await registry.updateProcess(first(), existing.revision)) === undefined)
      throw new AlreadyExistsError('process', record.pid);
  }

  /**
   * Gives a new pid back (the process did not start): its record is removed. A failure to do so is
   * logged: the record then names this host with generation 0, and the next activation starts it afresh.
   */
  async releaseNew(pid: string): Promise<void> {
    try {
      await this.options.registry.deleteProcess(this.options.app, pid);
    } catch (e) {
      this.options.logger.warn('cannot remove the record of a process that failed to start', { pid, err: e });
    }
  }
}
