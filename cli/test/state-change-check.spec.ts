import assert from 'node:assert/strict';
import type { ApplicationManifest, ManifestProcess } from '../src/build/application-manifest';
import { stateChangeProblems } from '../src/build/state-change-check';

const account = (state: [string, string | null][], stateVersion?: number): ManifestProcess => ({
  name: 'Account',
  export: 'Account',
  maxConcurrency: 1,
  idleTimeoutMs: 1000,
  checkpointEveryMs: null,
  ...(stateVersion === undefined ? {} : { stateVersion }),
  functions: [],
  state: state.map(([field, type]) => ({ field, type })),
});

const manifest = (...processes: ManifestProcess[]): ApplicationManifest => ({
  manifestVersion: 1,
  app: 'bank',
  version: '1.0.0',
  module: 'dist/index.js',
  frameworkVersion: '0.1.0',
  processes,
});

describe('the build’s check of state changes against the previous build', function () {
  const v1 = manifest(
    account([
      ['total', null],
      ['owner', 'Person'],
    ]),
  );

  it('lets fields be added, and anything change with a raised state version', function () {
    const added = manifest(
      account([
        ['total', null],
        ['owner', 'Person'],
        ['since', null],
      ]),
    );
    assert.deepEqual(stateChangeProblems(v1, added), []);
    const renamed = manifest(account([['balance', null]], 2));
    assert.deepEqual(stateChangeProblems(v1, renamed), []);
    assert.deepEqual(stateChangeProblems(v1, manifest()), [], 'a class removed has no processes to carry over here');
  });

  it('fails a field removed or retyped at the same state version, naming the class, the fields and the fix', function () {
    const renamed = manifest(
      account([
        ['balance', null],
        ['owner', null],
      ]),
    );
    assert.deepEqual(stateChangeProblems(v1, renamed), [
      "'Account' removed total and changed the type of owner (Person -> plain) but kept state version 1: raise it, " +
        '@Process({ version: 2 }), and add @Migrate(1) to carry the state of deployed processes over',
    ]);
    const at3 = manifest(account([['total', null]], 3));
    assert.match(
      stateChangeProblems(
        manifest(
          account(
            [
              ['total', null],
              ['x', null],
            ],
            3,
          ),
        ),
        at3,
      )[0]!,
      /removed x but kept state version 3: raise it, @Process\(\{ version: 4 \}\), and add @Migrate\(3\)/,
    );
  });

  it('fails a lowered state version', function () {
    assert.deepEqual(stateChangeProblems(manifest(account([['total', null]], 2)), v1), [
      "'Account' lowered its state version from 2 to 1: processes whose snapshots are of version 2 would be refused (STATE_VERSION_TOO_NEW)",
    ]);
  });
});
