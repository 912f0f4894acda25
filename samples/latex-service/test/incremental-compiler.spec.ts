import assert from 'node:assert/strict';
import { compileIncremental, fragmentHash, renderMarkdown, type CachedFragment } from '../src';

const hashes = (files: Record<string, string>): Map<string, string> =>
  new Map(Object.entries(files).map(([n, c]) => [n, fragmentHash(c)]));

describe('latex-service: incremental compiler', () => {
  it('renders Markdown with emphasis, lists and math passed through, and escapes raw HTML', () => {
    const html = renderMarkdown(
      '# Title\n\nSome *emphasis* and **strong**; $a < b$.\n\n- one\n- two\n\n<script>x</script>\n',
    );
    assert.match(html, /<h1>Title<\/h1>/);
    assert.match(html, /<em>emphasis<\/em> and <strong>strong<\/strong>/);
    assert.match(html, /\$a &lt; b\$/);
    assert.match(html, /<ul>\n<li>one<\/li>\n<li>two<\/li>\n<\/ul>/);
    assert.doesNotMatch(html, /<script>/);
    assert.match(html, /&lt;script&gt;x&lt;\/script&gt;/);
  });

  it('renders only new and changed files, reuses the others, drops deleted ones, in name order', async () => {
    const files: Record<string, string> = { 'b.md': '## B\n', 'a.md': '# A\n', 'c.md': 'c *c*\n' };
    const rendered: string[] = [];
    const source = (name: string): string => (rendered.push(name), files[name]!);
    const first = await compileIncremental('doc', hashes(files), new Map(), source);
    assert.deepEqual(first.report.rebuilt, ['a.md', 'b.md', 'c.md']);
    assert.deepEqual(first.report.reused, []);
    assert.ok(first.html.indexOf('data-file="a.md"') < first.html.indexOf('data-file="b.md"'));
    assert.match(first.html, /<title>doc<\/title>/);

    files['b.md'] = '## B changed\n';
    delete files['c.md'];
    rendered.length = 0;
    const second = await compileIncremental('doc', hashes(files), first.fragments, source);
    assert.deepEqual(second.report.rebuilt, ['b.md']);
    assert.deepEqual(second.report.reused, ['a.md']);
    assert.deepEqual(second.report.dropped, ['c.md']);
    assert.deepEqual(rendered, ['b.md'], 'the source of an unchanged file is not even read');
    assert.match(second.html, /B changed/);
    assert.doesNotMatch(second.html, /data-file="c.md"/);
    assert.deepEqual([...second.fragments.keys()], ['a.md', 'b.md']);
  });

  it('rebuilds a fragment cached from different content under the same name', async () => {
    const stale: CachedFragment = { hash: fragmentHash('old'), html: '<p>old</p>\n' };
    const result = await compileIncremental('d', hashes({ 'x.md': 'new' }), new Map([['x.md', stale]]), () => 'new');
    assert.deepEqual(result.report.rebuilt, ['x.md']);
    assert.match(result.html, /<p>new<\/p>/);
  });

  it('refuses a source that does not match the hash it is compiled for', async () => {
    await assert.rejects(
      compileIncremental('d', hashes({ 'x.md': 'one' }), new Map(), () => 'two'),
      /source of 'x.md' changed while compiling/,
    );
  });
});
