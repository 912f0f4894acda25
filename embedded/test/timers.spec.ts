import assert from 'node:assert/strict';
import 'reflect-metadata';
import { Fn, Process, schedule, State, type Context, type TimerInfo } from '@praas/framework/internal';
import { createEmbedded, type EmbeddedPraas } from '../src';

@Process()
class Reminder {
  @State() rung: { data: unknown; attempt?: number }[] = [];
  @State() ticks = 0;

  @Fn() remind(afterMs: number, ctx: Context): Promise<string> {
    return ctx.schedule('ring', 'wake up', { afterMs, key: 'morning' });
  }
  @Fn() ring(data: unknown, ctx: Context): void {
    this.rung.push({ data, ...(ctx.timer ? { attempt: ctx.timer.attempt } : {}) });
  }
  @Fn({ trigger: schedule({ every: '100ms' }) }) tick(): void {
    this.ticks++;
  }
  @Fn() seen(): { rung: { data: unknown; attempt?: number }[]; ticks: number } {
    return { rung: this.rung, ticks: this.ticks };
  }
  @Fn() list(_: unknown, ctx: Context): Promise<TimerInfo[]> {
    return ctx.timers();
  }
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (const end = Date.now() + 5_000; !(await check()); await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
  }
}

describe('timers in embedded mode', () => {
  let praas: EmbeddedPraas;
  beforeEach(async () => {
    praas = await createEmbedded({ processes: [Reminder] });
    await praas.createApp('clock');
    await praas.createProcess('clock', { processClass: 'Reminder', pid: 'r1' });
  });
  afterEach(() => praas.close());

  it('fires a scheduled timer and the declared schedule of the class', async () => {
    assert.equal(await praas.invoke('clock', 'remind', 50, { pid: 'r1' }), 'morning');
    type Seen = { rung: { data: unknown; attempt?: number }[]; ticks: number };
    const seen = (): Promise<Seen> => praas.invoke<Seen>('clock', 'seen', undefined, { pid: 'r1' });
    await until('the reminder and two ticks', async () => {
      const s = await seen();
      return s.rung.length === 1 && s.ticks >= 2;
    });
    assert.deepEqual((await seen()).rung, [{ data: 'wake up', attempt: 1 }]);
    const list = (): Promise<TimerInfo[]> => praas.invoke<TimerInfo[]>('clock', 'list', undefined, { pid: 'r1' });
    // The fired one-shot is removed once its firing is committed; the declared schedule stays.
    await until('the reminder removed', async () => (await list()).length === 1);
    assert.deepEqual(
      (await list()).map((t) => t.id),
      ['tick'],
    );
  });
});
