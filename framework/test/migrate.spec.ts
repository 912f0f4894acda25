import assert from 'node:assert/strict';
import 'reflect-metadata';
import {
  DecoratorUsageError,
  Fn,
  Migrate,
  Process,
  processDefinitionOf,
  State,
  type MigrationState,
} from '../src/internal';

/** Matches a DecoratorUsageError of `decorator` on `className` (and `member`) whose message matches `problem`. */
function usageError(decorator: string, className: string, member: string | undefined, problem: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof DecoratorUsageError, `expected DecoratorUsageError, got ${String(e)}`);
    assert.equal(e.code, 'DECORATOR_USAGE');
    assert.deepEqual(
      [e.details['decorator'], e.details['className'], e.details['member']],
      [decorator, className, member],
    );
    assert.match(e.message, problem);
    return true;
  };
}

describe('@Process({ version }) and @Migrate', () => {
  it('defaults to state version 1 without migrations', () => {
    @Process()
    class Plain {
      @State() n = 0;
    }
    const d = processDefinitionOf(Plain);
    assert.equal(d.version, 1);
    assert.deepEqual(d.migrations, []);
  });

  it('orders the migrations of a chain by version, each calling its static method on the class', async () => {
    @Process({ version: 3 })
    class Account {
      static readonly factor = 100;
      @State() cents = 0;
      @Migrate(2) static addCurrency(state: MigrationState): void {
        state.fields['currency'] = 'EUR';
      }
      @Migrate(1) static async toCents(state: MigrationState): Promise<MigrationState> {
        await Promise.resolve();
        // `this` is the class: a migration may use its static helpers.
        return { fields: { cents: (state.fields['euros'] as number) * this.factor }, keyed: state.keyed };
      }
    }
    const d = processDefinitionOf(Account);
    assert.equal(d.version, 3);
    assert.deepEqual(
      d.migrations.map((m) => [m.from, m.method]),
      [
        [1, 'toCents'],
        [2, 'addCurrency'],
      ],
    );
    assert.ok(Object.isFrozen(d.migrations));
    const v1: MigrationState = { fields: { euros: 2 }, keyed: new Map() };
    const v2 = await d.migrations[0]!.run(v1);
    assert.deepEqual(v2?.fields, { cents: 200 });
    const state = v2;
    assert.equal(await d.migrations[1]!.run(state), undefined);
    assert.deepEqual(state.fields, { cents: 200, currency: 'EUR' });
  });

  it('rejects a version that is not a positive integer, naming the class', () => {
    for (const version of [0, -1, 1.5, Number.NaN]) {
      assert.throws(
        () => {
          @Process({ version })
          class Bad {}
          return Bad;
        },
        usageError('Process', 'Bad', undefined, new RegExp(`version must be an integer of at least 1, got ${version}`)),
      );
    }
  });

  it('rejects @Migrate from a version below 1, on an instance method, or on an accessor', () => {
    assert.throws(
      () => {
        class Zero {
          @Migrate(0) static m(): void {}
        }
        return Zero;
      },
      usageError('Migrate', 'Zero', 'm', /the version migrated from must be an integer of at least 1, got 0/),
    );
    assert.throws(
      () => {
        class OnInstance {
          @Migrate(1) m(): void {}
        }
        return OnInstance;
      },
      usageError('Migrate', 'OnInstance', 'm', /migrations must be static methods/),
    );
    assert.throws(
      () => {
        class OnGetter {
          @Migrate(1) static get m(): number {
            return 1;
          }
        }
        return OnGetter;
      },
      usageError('Migrate', 'OnGetter', 'm', /getters and setters cannot be migrations/),
    );
  });

  it('rejects at registration a chain with a gap, naming the class and the missing version', () => {
    @Process({ version: 4 })
    class Gap {
      @Migrate(1) static one(): void {}
      @Migrate(3) static three(): void {}
    }
    assert.throws(
      () => processDefinitionOf(Gap),
      usageError(
        'Process',
        'Gap',
        undefined,
        /state version 4 needs .* version 2 has none; add a static @Migrate\(2\)/,
      ),
    );
    @Process({ version: 2 })
    class NoMigration {
      @State() n = 0;
    }
    assert.throws(
      () => processDefinitionOf(NoMigration),
      usageError('Process', 'NoMigration', undefined, /state version 2 .* version 1 has none/),
    );
  });

  it('rejects two migrations from one version, naming both methods', () => {
    @Process({ version: 2 })
    class Twice {
      @Migrate(1) static first(): void {}
      @Migrate(1) static second(): void {}
    }
    assert.throws(
      () => processDefinitionOf(Twice),
      usageError('Migrate', 'Twice', 'second', /version 1 already has a migration, first/),
    );
  });

  it('rejects a migration from the class version or later', () => {
    @Process({ version: 2 })
    class Ahead {
      @Migrate(1) static one(): void {}
      @Migrate(2) static two(): void {}
    }
    assert.throws(
      () => processDefinitionOf(Ahead),
      usageError('Migrate', 'Ahead', 'two', /a migration from version 2 cannot exist in a class at state version 2/),
    );
    @Process()
    class Unversioned {
      @Migrate(1) static one(): void {}
    }
    assert.throws(() => processDefinitionOf(Unversioned), usageError('Migrate', 'Unversioned', 'one', /version 1/));
  });

  it('inherits migrations; a subclass adds its own without changing the parent', () => {
    @Process({ name: 'Base', version: 2 })
    class Base {
      @Migrate(1) static one(): void {}
      @Fn() go(): void {}
    }
    @Process({ name: 'Sub', version: 3 })
    class Sub extends Base {
      @Migrate(2) static two(): void {}
    }
    assert.deepEqual(
      processDefinitionOf(Sub).migrations.map((m) => m.method),
      ['one', 'two'],
    );
    assert.deepEqual(
      processDefinitionOf(Base).migrations.map((m) => m.method),
      ['one'],
    );
  });
});
