import assert from 'node:assert/strict';
import {
  encode,
  Fn,
  MemoryLogger,
  processDefinitionOf,
  Migrate,
  MigrationFailedError,
  Process,
  State,
  StateVersionTooNewError,
  type Constructor,
  type Context,
  type MigrationState,
} from '@praas/framework/internal';
import { FsSwapStore } from '../../src';
import { decodeSnapshot, encodeSnapshot, SNAPSHOT_FORMAT } from '../../src/state/snapshot';
import { SnapshotRepository } from '../../src/state/snapshot-repository';
import { decodeState } from '../../src/state/state-migration';
import { startTestHost, type TestHost } from '../fixtures';

/** Version 1 of a wallet: a balance in euros, and notes under keys `note-<n>`. */
@Process({ name: 'Wallet' })
class WalletV1 {
  @State() euros = 0;

  @Fn() deposit(euros: number): number {
    return (this.euros += euros);
  }
  @Fn() note(a: { key: string; text: string }, ctx: Context): void {
    ctx.state.set(a.key, a.text);
  }
  @Fn() balance(_: unknown, ctx: Context): { euros: number; keys: string[] } {
    return { euros: this.euros, keys: ctx.state.keys().sort() };
  }
}

class Ledger {
  entries: number[] = [];
  total(): number {
    return this.entries.reduce((a, b) => a + b, 0);
  }
}

/** Migrations run, as `<class>:<from>`, in the order they ran. */
const ran: string[] = [];

/** Version 2: cents instead of euros, the deposits so far in a ledger, notes renamed to `memo-<n>`. */
@Process({ name: 'Wallet', version: 2 })
class WalletV2 {
  @State() cents = 0;
  @State(() => Ledger) ledger = new Ledger();

  @Migrate(1) static toCents({ fields, keyed }: MigrationState): void {
    ran.push('WalletV2:1');
    fields['cents'] = Math.round((fields['euros'] as number) * 100);
    fields['ledger'] = { entries: [fields['cents']] };
    delete fields['euros'];
    for (const [key, value] of [...keyed]) {
      keyed.delete(key);
      keyed.set(key.replace(/^note-/, 'memo-'), value);
    }
  }

  @Fn() deposit(cents: number): number {
    this.ledger.entries.push(cents);
    return (this.cents += cents);
  }
  @Fn() balance(_: unknown, ctx: Context): { cents: number; ledger: number; keys: string[]; memo: unknown } {
    return {
      cents: this.cents,
      ledger: this.ledger.total(),
      keys: ctx.state.keys().sort(),
      memo: ctx.state.get('memo-1'),
    };
  }
}

/** Version 2 whose migration throws. */
@Process({ name: 'Wallet', version: 2 })
class WalletV2Broken {
  @State() cents = 0;
  @Migrate(1) static toCents(): void {
    throw new RangeError('euros out of range');
  }
  @Fn() balance(): number {
    return this.cents;
  }
}

/** Version 3: an owner added, computed from keyed state; a version 2 snapshot runs only @Migrate(2). */
@Process({ name: 'Wallet', version: 3 })
class WalletV3 {
  @State() cents = 0;
  @State(() => Ledger) ledger = new Ledger();
  @State() owner = 'nobody';

  @Migrate(1) static toCents(state: MigrationState): void {
    WalletV2.toCents(state);
    ran[ran.length - 1] = 'WalletV3:1';
  }
  @Migrate(2) static async withOwner(state: MigrationState): Promise<MigrationState> {
    await Promise.resolve();
    ran.push('WalletV3:2');
    // Returns a new state rather than changing the one it was given.
    return { fields: { ...state.fields, owner: `owner of ${state.keyed.size} memos` }, keyed: state.keyed };
  }

  @Fn() balance(): { cents: number; ledger: number; owner: string } {
    return { cents: this.cents, ledger: this.ledger.total(), owner: this.owner };
  }
}

describe('state versions and migrations at swap-in', function () {
  let first: TestHost;
  let later: TestHost[];

  beforeEach(async function () {
    ran.length = 0;
    later = [];
    first = await startTestHost({ processes: [WalletV1] });
  });
  afterEach(async function () {
    for (const t of later) await t.close();
    await first.close();
  });

  /** Stops the running host and starts one with `code`, sharing transport, registry and store. */
  const deploy = async (code: Constructor, on: TestHost = first): Promise<TestHost> => {
    await on.stopHost();
    const next = await startTestHost({ processes: [code], joining: first, hostId: `h${later.length + 2}` });
    later.push(next);
    return next;
  };

  /** A version 1 wallet 'w' with 2.5 euros and a note, swapped out. */
  const swappedV1Wallet = async (): Promise<void> => {
    await first.host.create('w', 'Wallet');
    await first.invoke('w', 'deposit', 2.5);
    await first.invoke('w', 'note', { key: 'note-1', text: 'rent' });
    await first.host.swapOut('w');
  };

  const latestSnapshot = async () => {
    const latest = await new SnapshotRepository(new FsSwapStore(first.dir)).readLatest('test', 'w');
    assert.ok(latest, 'a committed snapshot');
    return { generation: latest.manifest.generation, stateVersion: latest.manifest.stateVersion, bytes: latest.bytes };
  };

  it('migrates a version 1 snapshot when version 2 code swaps it in, and writes version 2 from then on', async function () {
    await swappedV1Wallet();
    assert.equal((await latestSnapshot()).stateVersion, 1);

    const v2 = await deploy(WalletV2);
    assert.deepEqual(await v2.invoke('w', 'balance'), { cents: 250, ledger: 250, keys: ['memo-1'], memo: 'rent' });
    assert.equal(await v2.invoke('w', 'deposit', 50), 300, 'the ledger came back as a Ledger');
    assert.deepEqual(ran, ['WalletV2:1']);

    await v2.host.swapOut('w');
    assert.equal((await latestSnapshot()).stateVersion, 2);
    assert.equal((await v2.host.activate('w')).status, 'active');
    assert.deepEqual(await v2.invoke('w', 'balance'), { cents: 300, ledger: 300, keys: ['memo-1'], memo: 'rent' });
    assert.deepEqual(ran, ['WalletV2:1'], 'a version 2 snapshot is not migrated again');
  });

  it('leaves the process swapped out with its version 1 snapshot when the migration throws, and tells the caller', async function () {
    await swappedV1Wallet();
    const before = await latestSnapshot();
    const record = await first.registry.getProcess('test', 'w');

    const broken = await deploy(WalletV2Broken);
    await assert.rejects(broken.invoke('w', 'balance'), (e: unknown) => {
      assert.ok(e instanceof Error && 'code' in e, `expected a PraasError, got ${String(e)}`);
      assert.equal(e.code, MigrationFailedError.code);
      assert.match(
        e.message,
        /process 'w': migrating the state of 'Wallet' from version 1 to 2 failed: toCents threw euros out of range/,
      );
      return true;
    });
    await assert.rejects(broken.host.activate('w'), { code: 'MIGRATION_FAILED' });
    const after = await first.registry.getProcess('test', 'w');
    assert.deepEqual([after?.status, after?.generation], [record?.status, record?.generation]);
    const kept = await latestSnapshot();
    assert.deepEqual([kept.generation, kept.stateVersion], [before.generation, 1]);
    assert.ok(Buffer.from(kept.bytes).equals(Buffer.from(before.bytes)), 'the snapshot is untouched');

    const back = await deploy(WalletV1, broken);
    assert.deepEqual(
      await back.invoke('w', 'balance'),
      { euros: 2.5, keys: ['note-1'] },
      'version 1 code still runs it',
    );
  });

  it('refuses a snapshot newer than the code, naming both versions, and keeps it', async function () {
    const v3 = await deploy(WalletV3);
    await v3.host.create('w', 'Wallet');
    await v3.host.swapOut('w');
    const before = await latestSnapshot();
    assert.equal(before.stateVersion, 3);

    const v2 = await deploy(WalletV2, v3);
    await assert.rejects(v2.invoke('w', 'balance'), (e: unknown) => {
      assert.ok(e instanceof Error && 'code' in e);
      assert.equal(e.code, StateVersionTooNewError.code);
      assert.match(e.message, /holds state version 3 of 'Wallet', newer than version 2 of the code swapping it in/);
      return true;
    });
    const kept = await latestSnapshot();
    assert.ok(Buffer.from(kept.bytes).equals(Buffer.from(before.bytes)), 'the snapshot is untouched');
    assert.deepEqual(ran, []);
  });

  it('runs a chain of migrations in order: 1 → 2 → 3, and only 2 → 3 from a version 2 snapshot', async function () {
    await swappedV1Wallet();
    const v3 = await deploy(WalletV3);
    assert.deepEqual(await v3.invoke('w', 'balance'), { cents: 250, ledger: 250, owner: 'owner of 1 memos' });
    assert.deepEqual(ran, ['WalletV3:1', 'WalletV3:2']);

    ran.length = 0;
    const v2 = await deploy(WalletV2, v3);
    await v2.host.create('v2', 'Wallet');
    await v2.invoke('v2', 'deposit', 70);
    await v2.host.swapOut('v2');
    const again = await deploy(WalletV3, v2);
    assert.deepEqual(await again.invoke('v2', 'balance'), { cents: 70, ledger: 70, owner: 'owner of 0 memos' });
    assert.deepEqual(ran, ['WalletV3:2']);
  });
});

describe('decodeState', function () {
  /** A snapshot of 'Wallet' as code from before state versions wrote it: its meta has no stateVersion. */
  const unversioned = () =>
    decodeSnapshot(
      Buffer.concat(
        encodeSnapshot({
          meta: {
            format: SNAPSHOT_FORMAT,
            app: 'test',
            pid: 'old',
            processClass: 'Wallet',
            generation: 4,
            createdAt: 1,
          },
          fields: [['euros', encode(4)]],
          keyed: [['note-1', encode('rent')]],
          messages: [],
          seenIds: [],
          senders: [],
          outbox: { epoch: 'e', seq: [] },
          backupCursor: 0,
          triggers: encode(null),
        }),
      ),
      'unversioned snapshot',
    );

  beforeEach(() => (ran.length = 0));

  it('takes a snapshot without a state version as version 1', async function () {
    const state = await decodeState(processDefinitionOf(WalletV2), unversioned(), new MemoryLogger());
    assert.deepEqual(ran, ['WalletV2:1']);
    const fields = new Map(state.fields);
    assert.equal(fields.get('cents'), 400);
    assert.ok(fields.get('ledger') instanceof Ledger);
    assert.deepEqual(state.keyed, [['memo-1', 'rent']]);
  });

  it('drops migrated fields the class does not declare, with a warning naming them', async function () {
    @Process({ name: 'Wallet', version: 2 })
    class KeepsEuros {
      @State() cents = 0;
      @Migrate(1) static toCents({ fields }: MigrationState): void {
        fields['cents'] = (fields['euros'] as number) * 100;
      }
    }
    const logger = new MemoryLogger();
    const state = await decodeState(processDefinitionOf(KeepsEuros), unversioned(), logger);
    assert.deepEqual(state.fields, [['cents', 400]]);
    const [warning] = logger.at('warn', 'fields the class does not declare');
    assert.deepEqual(warning?.['fields'], ['euros']);
  });

  it('fails with MIGRATION_FAILED when a migration leaves a state the process cannot keep', async function () {
    @Process({ name: 'Wallet', version: 2 })
    class ReturnsNumber {
      @Migrate(1) static m(): MigrationState {
        return 42 as unknown as MigrationState;
      }
    }
    @Process({ name: 'Wallet', version: 2 })
    class BadKey {
      @Migrate(1) static m({ keyed }: MigrationState): void {
        keyed.set('not a key', 1);
      }
    }
    @Process({ name: 'Wallet', version: 2 })
    class FunctionValue {
      @Migrate(1) static m({ fields }: MigrationState): void {
        fields['callback'] = () => 1;
      }
    }
    const cases: [Constructor, RegExp][] = [
      [
        ReturnsNumber,
        /from version 1 to 2 failed: m left no state: return nothing or \{ fields: object, keyed: Map \}/,
      ],
      [BadKey, /from version 1 to 2 failed: the migrated state cannot be kept: invalid state key "not a key"/],
      [FunctionValue, /from version 1 to 2 failed: the migrated state cannot be kept: .*field callback/],
    ];
    for (const [code, message] of cases) {
      await assert.rejects(decodeState(processDefinitionOf(code), unversioned(), new MemoryLogger()), (e: unknown) => {
        assert.ok(e instanceof MigrationFailedError, String(e));
        assert.deepEqual(
          [e.details['processClass'], e.details['pid'], e.details['from'], e.details['to']],
          ['Wallet', 'old', 1, 2],
        );
        assert.match(e.message, message);
        return true;
      });
    }
  });
});
