import assert from 'node:assert/strict';
import 'reflect-metadata';
import { Type } from 'class-transformer';
import { ANY, Fn, Process, State, type Context } from '@praas/framework/internal';
import { startTestHost, type TestHost } from '../fixtures';

/** Indices of the holes of an array. */
const holes = (a: unknown[]): number[] => Array.from({ length: a.length }, (_, i) => i).filter((i) => !(i in a));
const isNegativeZero = (v: unknown): boolean => Object.is(v, -0);

/** A sparse array [1, <hole>, -0, <hole>, <hole>] and the checks of it. */
function sparse(): number[] {
  const a: number[] = [];
  a[0] = 1;
  a[2] = -0;
  a.length = 5;
  return a;
}
function assertExact(a: unknown, what: string): void {
  assert.ok(Array.isArray(a), `${what} is an array`);
  assert.equal(a.length, 5, `${what} keeps its length`);
  assert.deepEqual(holes(a), [1, 3, 4], `${what} keeps its holes`);
  assert.equal(a[0], 1);
  assert.ok(isNegativeZero(a[2]), `${what} keeps -0`);
}

class Point {
  x = 0;
  trail: number[] = [];
  norm(): number {
    return Math.abs(this.x);
  }
}
class Path {
  @Type(() => Point) points: Point[] = [];
}

@Process()
class Exact {
  @State() zero = 0;
  @State() nested: { z: number; list: number[]; byKey: Map<string, number[]> } = { z: 0, list: [], byKey: new Map() };
  @State(() => Path) path = new Path();

  @Fn() fill(_: unknown, ctx: Context): void {
    this.zero = -0;
    this.nested = { z: -0, list: sparse(), byKey: new Map([['k', sparse()]]) };
    const point = new Point();
    point.x = -0;
    point.trail = sparse();
    this.path.points = new Array<Point>(3);
    this.path.points[2] = point;
    ctx.state.set('exact', { z: -0, list: sparse(), byKey: new Map([['k', sparse()]]) });
    ctx.state.set('zero', -0);
  }
  @Fn() async take(n: number, ctx: Context): Promise<unknown[]> {
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.push((await ctx.recv(ANY, 'm', { timeoutMs: 2_000 })).data);
    return out;
  }
  @Fn() echo(data: unknown): unknown {
    return data;
  }
}

describe('exact values across a swap: -0 and the holes of sparse arrays', () => {
  let t: TestHost;
  beforeEach(async () => {
    t = await startTestHost({ processes: [Exact] });
    await t.host.create('e1', 'Exact');
  });
  afterEach(async () => t.close());

  const swap = async (): Promise<void> => {
    await t.host.swapOut('e1');
    await t.host.activate('e1');
  };
  const instance = (): Exact => (t.host.local('e1') as unknown as { instance: Exact }).instance;

  it('in @State fields, plain and class-typed', async () => {
    await t.invoke('e1', 'fill');
    await swap();
    const e = instance();
    assert.ok(isNegativeZero(e.zero));
    assert.ok(isNegativeZero(e.nested.z));
    assertExact(e.nested.list, 'an array in a field');
    assertExact(e.nested.byKey.get('k'), 'an array in a Map in a field');
    assert.ok(e.path instanceof Path);
    assert.equal(e.path.points.length, 3);
    assert.deepEqual(holes(e.path.points), [0, 1]);
    const point = e.path.points[2]!;
    assert.ok(point instanceof Point, 'a @Type item of a sparse array keeps its class');
    assert.ok(isNegativeZero(point.x));
    assertExact(point.trail, 'an array in a class-typed field');
  });

  it('in keyed state', async () => {
    await t.invoke('e1', 'fill');
    await swap();
    const state = t.host.local('e1')!.keyedState;
    assert.ok(isNegativeZero(state.get('zero')));
    const exact = state.get<{ z: number; list: number[]; byKey: Map<string, number[]> }>('exact')!;
    assert.ok(isNegativeZero(exact.z));
    assertExact(exact.list, 'an array in keyed state');
    assertExact(exact.byKey.get('k'), 'an array in a Map in keyed state');
  });

  it('in message data: unread in the mailbox, and waiting in the backup queue', async () => {
    await t.send('e1', 'm', { z: -0, list: sparse() });
    await t.host.swapOut('e1');
    await t.send('e1', 'm', new Map([['k', sparse()]]));
    await t.host.activate('e1');
    const [unread, queued] = await t.invoke<[{ z: number; list: number[] }, Map<string, number[]>]>('e1', 'take', 2);
    assert.ok(isNegativeZero(unread.z));
    assertExact(unread.list, 'an array in a message swapped with the mailbox');
    assertExact(queued.get('k'), 'an array in a message from the backup queue');
  });

  it('in invocation arguments and results', async () => {
    const back = await t.invoke<{ z: number; list: number[] }>('e1', 'echo', { z: -0, list: sparse() });
    assert.ok(isNegativeZero(back.z));
    assertExact(back.list, 'an array through an invocation');
  });
});
