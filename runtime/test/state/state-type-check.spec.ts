import assert from 'node:assert/strict';
import 'reflect-metadata';
import { encode, Fn, Process, State, Type, type StateFieldDefinition } from '@praas/framework/internal';
import { UNTYPED_STATE_WARNING } from '../../src';
import { StateTypeCheck } from '../../src/state/state-type-check';
import { startTestHost, type TestHost } from '../fixtures';

class Step {
  n = 1;
  twice(): number {
    return 2 * this.n;
  }
}
class TypedPlan {
  @Type(() => Step) steps: Step[] = [new Step()];
}
class UntypedPlan {
  steps: Step[] = [new Step(), new Step()];
  byName = new Map([['first', new Step()]]);
}

@Process()
class Planner {
  @State(() => TypedPlan) typed = new TypedPlan();
  @State(() => UntypedPlan) untyped = new UntypedPlan();
  @State() noThunk = new Step();
  @State() plain = { steps: [1, 2] };
  @Fn() touch(): number {
    return this.untyped.steps.length;
  }
}

describe('StateTypeCheck: class instances that a swap would turn into plain objects', () => {
  describe('through a runtime host, at swap-out', () => {
    let t: TestHost;
    const warnings: Error[] = [];
    const listen = (w: Error): void => {
      if ((w as Error & { code?: string }).code === UNTYPED_STATE_WARNING) warnings.push(w);
    };
    beforeEach(async () => {
      warnings.length = 0;
      process.on('warning', listen);
      t = await startTestHost({ processes: [Planner] });
    });
    afterEach(async () => {
      process.off('warning', listen);
      await t.close();
    });
    // Process warnings are emitted on the next tick.
    const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

    it('warns once per class, field and path, naming the class and what to declare', async () => {
      await t.host.create('p1', 'Planner');
      await t.host.create('p2', 'Planner');
      await t.host.swapOut('p1');
      await settle();
      const messages = warnings.map((w) => w.message).sort();
      assert.equal(warnings[0]?.name, 'PraasWarning');
      assert.deepEqual(messages, [
        'field Planner.noThunk holds a Step instance, which comes back from a swap as a plain object without its methods; declare its type: @State(() => Step)',
        `field Planner.untyped.byName.get() holds Step instances, which come back from a swap as plain objects without their methods, also with @Type, as they sit in a Map or Set; keep them in an array or object property with @Type(() => Step) (see "State" in the README)`,
        `field Planner.untyped.steps[] holds Step instances, which come back from a swap as plain objects without their methods; declare the type on the property that holds them: @Type(() => Step) from @praas/framework (see "State" in the README)`,
      ]);
      await t.host.activate('p1');
      await t.host.swapOut('p1');
      await t.host.swapOut('p2');
      await settle();
      assert.equal(warnings.length, 3, 'no second warning for the same class, field and path');
    });
  });

  describe('on its own', () => {
    const reports: string[] = [];
    let check: StateTypeCheck;
    beforeEach(() => {
      reports.length = 0;
      check = new StateTypeCheck((m) => reports.push(m));
    });
    const run = (field: StateFieldDefinition, value: unknown): void => {
      check.encodeField('C', field, value, (visit) => encode(value, `field C.${field.field}`, visit));
    };

    it('says nothing about plain values, built-ins, and classes restored by a thunk or @Type', () => {
      run({ field: 'a' }, { n: 1, when: new Date(0), m: new Map([[1, [2]]]), s: new Set([3]) });
      run({ field: 'b', type: TypedPlan }, new TypedPlan());
      run({ field: 'c', type: Step }, new Step());
      assert.deepEqual(reports, []);
    });

    it('checks a field again when an instance of another class shows up in it', () => {
      run({ field: 'bag' }, { items: [] as unknown[] });
      assert.deepEqual(reports, []);
      run({ field: 'bag' }, { items: [new Step()] });
      assert.equal(reports.length, 1);
      assert.match(reports[0]!, /^field C\.bag\.items\[\] holds Step instances/);
    });
  });
});
