import assert from 'node:assert/strict';
import { join } from 'node:path';
import { run } from '@praas/framework/dist/src/cli/main';

describe('praas-framework dev', () => {
  it("runs a module's process classes on the embedded stack and calls its main", async () => {
    const modulePath = join(__dirname, 'fixtures', 'dev-module.js');
    const out: string[] = [];
    const err: string[] = [];
    const code = await run(
      ['dev', modulePath, '--app', 'devtest'],
      (l) => out.push(l),
      (l) => err.push(l),
    );
    assert.equal(code, 0, err.join('\n'));
    assert.match(out[0]!, /application 'devtest' \(embedded/);
    assert.ok(out.includes('  Greeter: greet'));
    const fixture = (await import(modulePath)) as { seen: string[] };
    assert.deepEqual(fixture.seen, ['hello dev (#1)', 'hello again (#2)']);
  });

  it('says what is wrong with its arguments', async () => {
    const err: string[] = [];
    assert.equal(
      await run(
        ['dev'],
        () => undefined,
        (l) => err.push(l),
      ),
      2,
    );
    assert.match(err[0]!, /dev needs the path of a compiled module/);
    assert.equal(
      await run(
        ['dev', '/nonexistent/module.js'],
        () => undefined,
        (l) => err.push(l),
      ),
      1,
    );
    assert.match(err[1]!, /does not exist/);
    assert.equal(
      await run(
        ['dev', __filename],
        () => undefined,
        (l) => err.push(l),
      ),
      1,
    );
    assert.match(err[2]!, /exports no @Process class/);
    assert.equal(
      await run(
        ['frobnicate'],
        () => undefined,
        (l) => err.push(l),
      ),
      2,
    );
    assert.match(err[3]!, /unknown command 'frobnicate'/);
  });
});
