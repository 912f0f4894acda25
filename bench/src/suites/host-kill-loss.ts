import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataPlaneClient, decode, encode, newId, PraasError, unwrapReply } from '@praas/framework/internal';
import { FAST_FAILURE_ENV, startStack } from '@praas/integration';
import { CHECKPOINT_EVERY_MS } from '../fixtures/durability.processes';
import { quantile, type SuiteContext } from '../runner';

const FIXTURE_MODULE = require.resolve('../fixtures/durability.processes');
/** Calls run at least this long before the SIGKILL, and up to {@link KILL_SPREAD_MS} longer, at random. */
const CALLS_BEFORE_KILL_MS = 1_000;
const KILL_SPREAD_MS = 1_000;
/** Long enough for a swap-in on a busy machine; the call in flight at the kill fails long before. */
const CALL_TIMEOUT_MS = 30_000;

/** One acknowledged call: the number it appended and when its reply arrived (`performance.now()`). */
export interface Ack {
  readonly n: number;
  readonly at: number;
}

/** What one SIGKILL cost: the acknowledged calls missing from the state brought back. */
export interface KillLoss {
  readonly acknowledged: number;
  readonly lost: number;
  /** How long before the kill the oldest lost call was acknowledged, in ms (0 when none was lost). */
  readonly oldestLostAgeMs: number;
}

/**
 * The acknowledged calls whose number is not in `kept` (the state after the kill) are lost; the age
 * of the oldest at `killedAt` (same clock as the acks) is how far back the loss reaches. A reply
 * that arrived after the kill started counts as acknowledged, at age 0.
 */
export function lossAtKill(acks: readonly Ack[], kept: readonly number[], killedAt: number): KillLoss {
  const survived = new Set(kept);
  const lost = acks.filter((a) => !survived.has(a.n));
  const oldest = Math.min(...lost.map((a) => a.at));
  return {
    acknowledged: acks.length,
    lost: lost.length,
    oldestLostAgeMs: lost.length === 0 ? 0 : Math.max(0, killedAt - oldest),
  };
}

/**
 * The upload times (`ms`: from the capture to the committed manifest) of the `checkpoint written`
 * records of process `pid` in a runtime host's JSON log.
 * @throws Error naming the line when a line with such a record is not JSON.
 */
export function checkpointUploadsMs(log: string, pid: string): number[] {
  const uploads: number[] = [];
  for (const line of log.split('\n')) {
    if (!line.includes('"checkpoint written"')) continue;
    let record: { msg?: unknown; pid?: unknown; ms?: unknown };
    try {
      record = JSON.parse(line) as typeof record;
    } catch (e) {
      throw new Error(`a host log line with a checkpoint record is not JSON: ${line.slice(0, 200)}`, { cause: e });
    }
    if (record.msg === 'checkpoint written' && record.pid === pid && typeof record.ms === 'number') {
      uploads.push(record.ms);
    }
  }
  return uploads;
}

const round1 = (ms: number): number => Math.round(ms * 10) / 10;

/**
 * What a host failure loses (issue 15, problem 5), measured: a runtime host OS process (nats-server,
 * file-system swap store) holds one process; a client appends increasing numbers to its state
 * array, one call after another, recording when each is acknowledged; the host is SIGKILLed at a
 * random moment 1-2 s into the calls; the process is brought back on the other host and its state
 * read. Per run: the acknowledged calls lost and the age at the kill of the oldest of them. Runs
 * alternate a `checkpointEveryMs: 200` process and a `durability: 'call'` one, 5 each (20 without
 * `--quick`). Figures: the checkpointed losses (max and p50 of the oldest lost call's age, max
 * lost calls), the checkpoint upload times read from the hosts' logs and the bound they give
 * (`checkpointEveryMs` plus the slowest upload), and the calls the `durability: 'call'` process lost.
 */
export async function measureKillLoss(context: SuiteContext): Promise<void> {
  const runs = context.quick ? 5 : 20;
  const app = `bench-kill-${Date.now().toString(36)}`;
  const loadAtStart = loadavg()[0]!;
  const stack = await startStack({ name: 'bench-durability-kill', swapDir: true, controlApp: app });
  try {
    // Death is known within about a second (heartbeats every 200 ms, stale after 1.5 s), as in the host-death tests.
    const host = (hostId: string) =>
      stack.spawnHost({
        app,
        hostId,
        modulePath: FIXTURE_MODULE,
        env: { ...FAST_FAILURE_ENV, PRAAS_DATA_PLANE: 'nats' },
      });
    await host('heir');
    const client = new DataPlaneClient(stack.side.transport, stack.side.registry, app);
    const call = async <R>(pid: string, fn: string, data: unknown): Promise<R> => {
      const envelope = { t: 'inv' as const, id: newId(), from: 'bench:durability', fn, data: encode(data) };
      const bytes = unwrapReply(await client.invoke(pid, envelope, CALL_TIMEOUT_MS));
      return (bytes === undefined ? undefined : decode(bytes)) as R;
    };
    /** How the call in flight at each kill ended, by error code. */
    const inFlightEnds = new Map<string, number>();

    const killRun = async (processClass: string, pid: string): Promise<KillLoss & { uploadsMs: number[] }> => {
      const doomed = await host(`doomed-${pid}`);
      await stack.side.control.create(doomed.id, pid, processClass);
      const acks: Ack[] = [];
      let killing = false;
      const appendFrom = async (first: number): Promise<void> => {
        for (let n = first; ; n++) {
          try {
            await call(pid, 'append', n);
          } catch (e) {
            if (!(killing && e instanceof PraasError)) throw e;
            inFlightEnds.set(e.code, (inFlightEnds.get(e.code) ?? 0) + 1);
            return;
          }
          acks.push({ n, at: performance.now() });
          if (killing) return;
        }
      };
      // The first call before the clock starts: the process is up and swapped in.
      await call(pid, 'append', 0);
      acks.push({ n: 0, at: performance.now() });
      const calls = appendFrom(1);
      // The calls end only after the kill: before it, the race settles early only when a call failed.
      await Promise.race([calls, sleep(CALLS_BEFORE_KILL_MS + Math.random() * KILL_SPREAD_MS)]);
      killing = true;
      const killedAt = performance.now();
      for (const outcome of await Promise.allSettled([doomed.kill(), calls])) {
        if (outcome.status === 'rejected') throw outcome.reason;
      }
      const kept = await call<number[]>(pid, 'read', null);
      return { ...lossAtKill(acks, kept, killedAt), uploadsMs: checkpointUploadsMs(doomed.output(), pid) };
    };

    const checkpointed: KillLoss[] = [];
    const committed: KillLoss[] = [];
    const uploadsMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const loss = await killRun('Checkpointed', `checkpointed-${i}`);
      checkpointed.push(loss);
      uploadsMs.push(...loss.uploadsMs);
      committed.push(await killRun('CommittedEachCall', `committed-${i}`));
    }
    if (uploadsMs.length === 0) throw new Error('the doomed hosts logged no checkpoint of the Checkpointed processes');
    const ages = checkpointed.map((l) => round1(l.oldestLostAgeMs));
    context.figure('checkpoint_loss_oldest_ms_max', Math.max(...ages));
    context.figure('checkpoint_loss_oldest_ms_p50', quantile(ages, 0.5));
    context.figure('checkpoint_loss_calls_max', Math.max(...checkpointed.map((l) => l.lost)));
    context.figure('checkpoint_upload_ms_p50', round1(quantile(uploadsMs, 0.5)));
    context.figure('checkpoint_upload_ms_max', round1(Math.max(...uploadsMs)));
    context.figure('checkpoint_loss_bound_ms', round1(CHECKPOINT_EVERY_MS + Math.max(...uploadsMs)));
    context.figure(
      'durability_call_lost_acknowledged',
      committed.reduce((sum, l) => sum + l.lost, 0),
    );
    const list = (losses: readonly KillLoss[], pick: (l: KillLoss) => number): string => losses.map(pick).join(', ');
    context.note(
      `host SIGKILLed under sequential calls, ${runs} runs per class (nats-server, file-system store): ` +
        `checkpointEveryMs ${CHECKPOINT_EVERY_MS}: oldest lost acknowledged call ${list(checkpointed, (l) => round1(l.oldestLostAgeMs))} ms old, ` +
        `lost ${list(checkpointed, (l) => l.lost)} of ${list(checkpointed, (l) => l.acknowledged)} acknowledged calls, ` +
        `${uploadsMs.length} checkpoint uploads; durability 'call': lost ${list(committed, (l) => l.lost)} of ` +
        `${list(committed, (l) => l.acknowledged)}; the call in flight at the kill ended with ` +
        `${JSON.stringify(Object.fromEntries(inFlightEnds))} (else answered); ` +
        `load average (1 min) ${loadAtStart.toFixed(1)} at start, ${loadavg()[0]!.toFixed(1)} at end`,
    );
  } finally {
    await stack.stop();
  }
}
