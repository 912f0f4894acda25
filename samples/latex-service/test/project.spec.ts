import assert from 'node:assert/strict';
import { createEmbedded, type EmbeddedPraas } from '@praas/embedded';
import { FunctionError } from '@praas/framework';
import {
  Project,
  runLatexDemo,
  type CompileReport,
  type FetchedOutput,
  type FileContent,
  type FileEntry,
} from '../src';

describe('latex-service: Project process', () => {
  let praas: EmbeddedPraas;
  const app = 'latex-test';
  let pid: string;
  const call = <R>(fn: string, data?: unknown): Promise<R> => praas.invoke<R>(app, fn, data, { pid });

  beforeEach(async () => {
    praas = await createEmbedded({ processes: [Project] });
    await praas.createApp(app);
    pid = (await praas.createProcess(app, { pid: 'thesis' })).pid;
  });
  afterEach(async () => {
    await praas.close();
  });

  it('edit -> compile -> fetch: versions count up, readFile gives the newest, output holds every file', async () => {
    assert.deepEqual(await call('updateFile', { name: '01-a.md', content: '# First draft\n' }), {
      name: '01-a.md',
      version: 1,
    });
    assert.deepEqual(await call('updateFile', { name: '01-a.md', content: '# Second *draft*\n' }), {
      name: '01-a.md',
      version: 2,
    });
    await call('updateFile', { name: '02-b.md', content: 'Body with $x^2$.\n' });
    const read = await call<FileContent>('readFile', '01-a.md');
    assert.deepEqual(read, { name: '01-a.md', content: '# Second *draft*\n', version: 2 });
    assert.deepEqual(
      (await call<FileEntry[]>('listFiles')).map((f) => [f.name, f.version]),
      [
        ['01-a.md', 2],
        ['02-b.md', 1],
      ],
    );
    const report = await call<CompileReport>('compile');
    assert.deepEqual(report.rebuilt, ['01-a.md', '02-b.md']);
    const output = await call<FetchedOutput>('fetchOutput');
    assert.match(output.html, /<h1>Second <em>draft<\/em><\/h1>/);
    assert.match(output.html, /Body with \$x\^2\$\./);
    assert.match(output.html, /<title>thesis<\/title>/);
    assert.deepEqual(output.versions, { '01-a.md': 2, '02-b.md': 1 });
    assert.equal(output.upToDate, true);
    assert.ok(output.compiledAt instanceof Date);
    await call('updateFile', { name: '02-b.md', content: 'changed\n' });
    assert.equal((await call<FetchedOutput>('fetchOutput')).upToDate, false, 'an edit makes the output stale');
  });

  it('rebuilds only the files that changed since the last compile', async () => {
    for (let i = 0; i < 5; i++) await call('updateFile', { name: `f${i}.md`, content: `# File ${i}\n` });
    assert.equal((await call<CompileReport>('compile')).rebuilt.length, 5);
    assert.deepEqual((await call<CompileReport>('compile')).rebuilt, [], 'nothing changed');
    await call('updateFile', { name: 'f1.md', content: '# File 1, revised\n' });
    await call('updateFile', { name: 'f3.md', content: '# File 3, revised\n' });
    await call('updateFile', { name: 'f4.md', content: '# File 4\n' }); // Same content: a new version, nothing to render.
    await call('deleteFile', 'f0.md');
    const report = await call<CompileReport>('compile');
    assert.deepEqual(report.rebuilt, ['f1.md', 'f3.md']);
    assert.deepEqual(report.reused, ['f2.md', 'f4.md']);
    assert.deepEqual(report.dropped, ['f0.md']);
    const html = (await call<FetchedOutput>('fetchOutput')).html;
    assert.match(html, /File 1, revised/);
    assert.doesNotMatch(html, /File 0/);
  });

  it('keeps files, cached fragments and output through swap-out and swap-in', async () => {
    for (let i = 0; i < 3; i++)
      await call('updateFile', { name: `s${i}.md`, content: `## Part ${i}\n\n*text* ${i}\n` });
    await call('compile');
    const before = await call<FetchedOutput>('fetchOutput');
    const swapped = await praas.swapProcess(app, pid);
    assert.equal(swapped.status, 'swapped');
    const afterSwapOutput = await call<FetchedOutput>('fetchOutput');
    assert.equal((await praas.getProcess(app, pid)).status, 'active', 'the invocation swapped it back in');
    assert.equal(afterSwapOutput.html, before.html);
    assert.equal(afterSwapOutput.compiledAt.getTime(), before.compiledAt.getTime());
    const report = await call<CompileReport>('compile');
    assert.deepEqual(report.rebuilt, [], 'the fragment cache survived the swap');
    assert.deepEqual(report.reused, ['s0.md', 's1.md', 's2.md']);
    await call('updateFile', { name: 's1.md', content: '## Part one, after the swap\n' });
    assert.equal((await praas.swapProcess(app, pid)).generation, 2);
    assert.deepEqual((await call<CompileReport>('compile')).rebuilt, ['s1.md']);
    assert.equal((await call<FileContent>('readFile', 's1.md')).version, 2);
  });

  it('refuses bad input with errors that say what is wrong', async () => {
    const failure = async (fn: string, data: unknown): Promise<FunctionError> => {
      try {
        await call(fn, data);
      } catch (e) {
        assert.ok(e instanceof FunctionError, `expected a FunctionError, got ${String(e)}`);
        return e;
      }
      assert.fail(`${fn} accepted ${JSON.stringify(data)}`);
    };
    let e = await failure('readFile', 'missing.md');
    assert.equal(e.details['errorName'], 'FileNotFoundError');
    assert.match(e.message, /no file 'missing.md' in this project; it has no files yet/);
    await call('updateFile', { name: 'real.md', content: 'x' });
    e = await failure('readFile', 'missing.md');
    assert.match(e.message, /its files are: real.md/);
    for (const name of ['../secret.md', 'notes.txt', '', '.md', 'a b.md', 42]) {
      e = await failure('updateFile', { name, content: 'x' });
      assert.equal(e.details['errorName'], 'InvalidFileNameError', String(name));
      assert.match(e.message, /invalid file name .*followed by '.md'/);
    }
    e = await failure('updateFile', { name: 'ok.md', content: 17 });
    assert.match(e.message, /content of 'ok.md' must be a string, got number/);
    e = await failure('updateFile', null);
    assert.match(e.message, /updateFile expects \{ name, content \}/);
    e = await failure('fetchOutput', null);
    assert.equal(e.details['errorName'], 'NotCompiledError');
    assert.match(e.message, /not been compiled yet: call compile first/);
    assert.equal((await call<FileContent>('readFile', 'real.md')).version, 1, 'refused writes changed nothing');
  });
});

describe('latex-service: demo', () => {
  it('runs the scenario: full compile, one rebuild after an edit, none after a swap', async () => {
    const praas = await createEmbedded({ processes: [Project] });
    const lines: string[] = [];
    try {
      const result = await runLatexDemo(praas, (l) => lines.push(l));
      assert.equal(result.firstCompile.rebuilt.length, 3);
      assert.deepEqual(result.afterEdit.rebuilt, ['02-design.md']);
      assert.deepEqual(result.afterSwap.rebuilt, []);
      assert.match(result.output.html, /sticky sessions/);
      assert.ok(lines.some((l) => /no file '99-missing.md'/.test(l)));
      assert.ok(lines.some((l) => /invalid file name "..\/etc\/passwd"/.test(l)));
    } finally {
      await praas.close();
    }
  });
});
