import assert from 'node:assert/strict';
import { createEmbedded } from '@praas/embedded';
import { randomBytes } from 'node:crypto';
import { processBackend, Project, runLatexWorkload, StatelessLatex } from '../src';
import { startS3, type S3Service } from '@praas/test-services';

describe('latex-service: StatelessLatex on S3', function () {
  this.timeout(30_000);
  let s3: S3Service;
  let latex: StatelessLatex;

  before(async () => {
    s3 = await startS3();
  });
  after(async () => {
    await s3?.stop();
  });
  beforeEach(() => {
    latex = new StatelessLatex({ ...s3, bucket: `latex-${randomBytes(4).toString('hex')}` });
  });
  afterEach(() => {
    latex.close();
  });

  it('edit -> compile -> fetch through S3, incremental like the process', async () => {
    assert.deepEqual(await latex.updateFile('p1', { name: 'a.md', content: '# A\n' }), { name: 'a.md', version: 1 });
    await latex.updateFile('p1', { name: 'b.md', content: '*b*\n' });
    assert.deepEqual((await latex.compile('p1')).rebuilt, ['a.md', 'b.md']);
    await latex.updateFile('p1', { name: 'b.md', content: '**b2**\n' });
    const report = await latex.compile('p1');
    assert.deepEqual(report.rebuilt, ['b.md']);
    assert.deepEqual(report.reused, ['a.md']);
    const output = await latex.fetchOutput('p1');
    assert.match(output.html, /<h1>A<\/h1>[\s\S]*<strong>b2<\/strong>/);
    assert.equal(output.upToDate, true);
    assert.deepEqual(await latex.readFile('p1', 'b.md'), { name: 'b.md', content: '**b2**\n', version: 2 });
    await assert.rejects(latex.readFile('p1', 'zzz.md'), /no file 'zzz.md' in this project; its files are: a.md, b.md/);
    await assert.rejects(latex.fetchOutput('p2'), /not been compiled yet/);
    await assert.rejects(latex.updateFile('p1', { name: 'x/y.md', content: '' }), /invalid file name/);
  });

  it('produces the same documents and rebuild counts as the Project processes for the same workload', async () => {
    const options = { projects: 2, files: 4, fileChars: 1_500, rounds: 3, editsPerRound: 2 };
    const stateless = await runLatexWorkload(latex, options);
    const praas = await createEmbedded({ processes: [Project] });
    try {
      await praas.createApp('latex-bench');
      for (const project of stateless.projects) await praas.createProcess('latex-bench', { pid: project });
      const stateful = await runLatexWorkload(processBackend(praas, 'latex-bench'), options);
      assert.deepEqual([...stateful.rebuiltPerCompile].sort(), [...stateless.rebuiltPerCompile].sort());
      assert.deepEqual([...stateful.rebuiltPerCompile].sort(), [2, 2, 2, 2, 2, 2, 4, 4]);
      for (const project of stateless.projects) {
        const a = await praas.invoke<{ html: string }>('latex-bench', 'fetchOutput', null, { pid: project });
        assert.equal(a.html, (await latex.fetchOutput(project)).html, project);
      }
      assert.equal(stateful.compileMs.length, 8);
      assert.equal(stateful.updateMs.length, 2 * (4 + 3 * 2));
    } finally {
      await praas.close();
    }
  });
});
