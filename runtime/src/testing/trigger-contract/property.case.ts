import assert from 'node:assert/strict';
import { PraasError } from '@praas/framework/internal';
import type { TriggerHarness } from './trigger-harness';
import type { TriggerCall } from './trigger-processes';

/**
 * A swap-out refused while an invoke waits, or an invoke left to time out, is part of the property;
 * anything that is not a framework error is a bug and fails the run.
 */
function expectRefusal(e: unknown): void {
  if (!(e instanceof PraasError)) throw e;
}

type FastCheck = typeof import('fast-check');

/**
 * fast-check is an optional peer dependency of @praas/runtime: only this case of the contract needs
 * it, so it is loaded when the case runs, and its absence is named rather than crashing the import.
 */
function loadFastCheck(): FastCheck {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('fast-check') as FastCheck;
  } catch (e) {
    throw new Error('the trigger contract property case needs fast-check; install it (npm i -D fast-check@4)', {
      cause: e,
    });
  }
}

/** The property: every contribution reaches exactly one call of its function, whatever the interleaving. */
export function propertyCase(t: TriggerHarness, propertyRuns = 25): void {
  const { invoke, send, until } = t;
  it('delivers every contribution to exactly one call under random sends, invokes, timeouts and swaps', async () => {
    type Op =
      | { kind: 'send' | 'invoke'; fn: 'gather' | 'gatherSoon' | 'flush' | 'flushSoon'; key: string }
      | { kind: 'swap' }
      | { kind: 'wait'; ms: number };
    const fc = loadFastCheck();
    const op = fc.oneof(
      {
        weight: 6,
        arbitrary: fc.record({
          kind: fc.constantFrom('send' as const, 'invoke' as const),
          fn: fc.constantFrom('gather' as const, 'gatherSoon' as const, 'flush' as const, 'flushSoon' as const),
          key: fc.constantFrom('k1', 'k2'),
        }),
      },
      { weight: 1, arbitrary: fc.constant({ kind: 'swap' as const }) },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 40 }) }),
      },
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops: Op[]) => {
        const pid = `prop-${run++}`;
        await t.h1.create(pid, 'Reducer');
        const contributed = new Map<string, string>();
        const sends: Promise<unknown>[] = [];
        const invokes: Promise<unknown>[] = [];
        let n = 0;
        for (const o of ops) {
          if (o.kind === 'wait') await new Promise((r) => setTimeout(r, o.ms));
          else if (o.kind === 'swap') {
            const host = (await t.env.registry.getProcess(t.app, pid))?.host === 'h2' ? t.h2 : t.h1;
            await host.swapOut(pid).catch(expectRefusal); // Refused while an invoke waits: that is the rule.
          } else {
            const value = `${pid}-v${n++}`;
            contributed.set(value, o.fn);
            if (o.kind === 'send') sends.push(send(pid, o.fn, o.key, value));
            else invokes.push(invoke(pid, o.fn, value, o.key).catch(expectRefusal));
            await Promise.resolve();
          }
        }
        // Sends resolve once accepted; invokes of functions without maxWaitMs resolve only when filled below.
        await Promise.all(sends);
        // Complete whatever is still accumulating: fill every open accumulation with fillers.
        const hist = async (): Promise<TriggerCall[]> => invoke<TriggerCall[]>(pid, 'history', null);
        const delivered = async (): Promise<Map<string, number>> => {
          const counts = new Map<string, number>();
          for (const c of await hist()) for (const v of c.values) counts.set(v, (counts.get(v) ?? 0) + 1);
          return counts;
        };
        for (const fn of ['gather', 'flush'] as const) {
          for (const key of ['k1', 'k2'])
            for (let i = 0; i < 4; i++) await send(pid, fn, key, `${pid}-fill-${fn}-${key}-${i}`);
        }
        await until(async () => {
          const counts = await delivered();
          return [...contributed.keys()].every((v) => counts.has(v));
        }, 'every contribution to be delivered');
        await Promise.all(invokes);
        const counts = await delivered();
        const seen = JSON.stringify(await hist());
        for (const v of contributed.keys())
          assert.equal(counts.get(v), 1, `${v} delivered ${counts.get(v) ?? 0} times in ${seen}`);
        for (const [v, c] of counts) assert.equal(c, 1, `${v} delivered ${c} times`);
        for (const call of await hist()) {
          for (const v of call.values) {
            if (contributed.has(v)) assert.equal(contributed.get(v), call.fn, `${v} went to the wrong function`);
          }
        }
        await (await t.env.registry.getProcess(t.app, pid).then((r) => (r?.host === 'h2' ? t.h2 : t.h1))).delete(pid);
      }),
      { numRuns: propertyRuns, seed: 20261122, endOnFailure: true },
    );
  });
}
