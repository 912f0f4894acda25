import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dev } from '../src/commands/dev';
import { run } from '../src/main';

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
    assert.match(err[0]!, /dev needs the path of a compiled module .* or a project whose package.json sets "main"/);
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

describe('praas-framework dev: restart on change', () => {
  it('swaps processes out, reloads the changed module, and brings their state back with the new code', async () => {
    // Inside the package, so the copied module resolves @praas/framework from the workspace.
    const dir = await mkdtemp(join(__dirname, 'fixtures', 'watch-'));
    const modulePath = join(dir, 'greeter.js');
    const v1 = await readFile(join(__dirname, 'fixtures', 'dev-module.js'), 'utf8');
    await writeFile(
      modulePath,
      v1.replace(/exports\.main = main;/, '').replace(/async function main[\s\S]*?\n}\n/, ''),
    );
    const seen: string[] = [];
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    let round = 0;
    try {
      await dev({ module: modulePath, app: 'watched', port: 0, grpcPort: 0 }, () => undefined, {
        stop: stopped,
        ready: async (praas, app) => {
          round++;
          if (round === 1) {
            const { pid } = await praas.createProcess(app, { pid: 'g1' });
            seen.push(await praas.invoke<string>(app, 'greet', 'one', { pid }));
            // A code change once dev watches: the next version greets differently.
            const next = (await readFile(modulePath, 'utf8')).replace('`hello ${name}', '`hi ${name}');
            setTimeout(() => void writeFile(modulePath, next), 300);
          } else {
            seen.push(await praas.invoke<string>(app, 'greet', 'two', { pid: 'g1' }));
            stop();
          }
        },
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    assert.deepEqual(seen, ['hello one (#1)', 'hi two (#2)']);
  });
});
