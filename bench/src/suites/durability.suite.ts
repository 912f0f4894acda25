import { randomBytes } from 'node:crypto';
import { encode, Fn, MemoryRegistry, MemoryTransport, newId, Process, State } from '@praas/framework/internal';
import { RuntimeHost, S3SwapStore } from '@praas/runtime';
import type { Suite, SuiteContext } from '../runner';
import { measureKillLoss } from './host-kill-loss';
import { startS3InChild } from './s3-child';

/** A process whose calls are acknowledged before their state is committed (the default). */
@Process({ name: 'Buffered', idleTimeoutMs: 0 })
class Buffered {
  @State() entries: number[] = [];
  @Fn() append(n: number): number {
    return this.entries.push(n);
  }
}

/** The same process with `durability: 'call'`: each reply waits for the snapshot of its state. */
@Process({ name: 'Committed', idleTimeoutMs: 0, durability: 'call' })
class Committed {
  @State() entries: number[] = [];
  @Fn() append(n: number): number {
    return this.entries.push(n);
  }
}

/** Calls in flight at once in the concurrent measurement: they share commits. */
const CONCURRENT = 16;

/**
 * Durability (issue 15, problem 5): what a SIGKILL of a host loses with `checkpointEveryMs` and with
 * `durability: 'call'` (see {@link measureKillLoss}), and what `durability: 'call'` costs.
 */
export const durabilitySuite: Suite = {
  name: 'durability',
  async run(context) {
    await measureCallCost(context);
    await measureKillLoss(context);
  },
};

/**
 * The cost of `durability: 'call'`: one call of a small process, and 16 at once, with and without
 * waiting for the snapshot, on an S3 swap store (s3rver in a child process). The host runs in this
 * process on the in-memory transport, so the difference is the commit.
 */
async function measureCallCost(context: SuiteContext): Promise<void> {
  const s3 = await startS3InChild();
  const bucket = `bench-durability-${randomBytes(4).toString('hex')}`;
  const store = new S3SwapStore({ ...s3, bucket });
  const transport = new MemoryTransport();
  const registry = new MemoryRegistry();
  const host = new RuntimeHost({
    app: 'bench',
    processes: [Buffered, Committed],
    transport,
    registry,
    store,
    heartbeatMs: 60_000,
  });
  try {
    await host.start();
    await store.list(''); // creates the bucket
    await host.create('buffered', 'Buffered');
    await host.create('committed', 'Committed');
    let n = 0;
    const call = async (pid: string): Promise<void> => {
      const reply = await host.local(pid)!.handle({
        t: 'inv',
        id: newId(),
        from: 'bench',
        fn: 'append',
        data: encode(n++),
      });
      if (!reply.ok) throw new Error(`append on ${pid} failed: ${reply.error.message}`);
    };
    const many = (pid: string) => () => Promise.all(Array.from({ length: CONCURRENT }, () => call(pid)));
    const [buffered, committed] = await context.measureTogether([
      ['invoke_durability_checkpoint', () => call('buffered')],
      ['invoke_durability_call', () => call('committed')],
    ]);
    context.ratio('durability_call_vs_checkpoint', committed!, buffered!);
    const [bufferedMany, committedMany] = await context.measureTogether([
      [`invoke_durability_checkpoint_x${CONCURRENT}`, many('buffered')],
      [`invoke_durability_call_x${CONCURRENT}`, many('committed')],
    ]);
    context.ratio(`durability_call_vs_checkpoint_x${CONCURRENT}`, committedMany!, bufferedMany!);
    context.note(`S3 swap store ${s3.endpoint} (s3rver); ${CONCURRENT} calls at once share commits`);
  } finally {
    await host.stop({ swapOut: false });
    await registry.close();
    await transport.close();
    await s3.stop();
  }
}
