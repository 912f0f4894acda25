import assert from 'node:assert/strict';
import 'reflect-metadata';
import { Fn, Process, schedule, State, type Context, type TimerInfo } from '@praas/framework/internal';
import { PraasClient } from '@praas/framework/internal';
import { createEmbedded, type EmbeddedPraas } from '../src';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack';

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

describe('timers in embedded mode, through the embedded gateway', () => {
  let stack: GatewayStack;
  let client: PraasClient;
  beforeEach(async () => {
    stack = await startGatewayStack({ processes: [Reminder] });
    client = new PraasClient({ url: stack.addresses.httpUrl });
    await client.createApp('clock');
    await client.createProcess('clock', { processClass: 'Reminder', pid: 'r1' });
  });
  afterEach(async () => {
    await client.close();
    await stack.close();
  });

  it('lists a timer the process scheduled (REST), and a cancel through the gateway keeps it from firing', async () => {
    assert.equal(await client.invoke('clock', 'remind', 400, { pid: 'r1' }), 'morning');
    const listed = await client.listTimers('clock', { pid: 'r1' });
    assert.deepEqual(listed.timers.map((t) => [t.id, t.fn, t.key]).sort(), [
      ['morning', 'ring', 'morning'],
      ['tick', 'tick', 'tick'],
    ]);
    await client.cancelTimer('clock', 'r1', 'morning');
    assert.deepEqual(
      (await client.listTimers('clock')).timers.map((t) => t.id),
      ['tick'],
    );
    // The declared schedule keeps ticking past the cancelled timer's time; the reminder never rings.
    type Seen = { rung: unknown[]; ticks: number };
    const seen = (): Promise<Seen> => client.invoke<Seen>('clock', 'seen', undefined, { pid: 'r1' });
    const ticks = (await seen()).ticks;
    const due = listed.timers.find((t) => t.id === 'morning')!.dueAtMs;
    await until(
      'ticks past the cancelled timer’s time',
      async () => Date.now() > due + 200 && (await seen()).ticks > ticks + 2,
    );
    assert.deepEqual((await seen()).rung, []);
  });
});
