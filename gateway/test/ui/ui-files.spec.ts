import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RouteNotFoundError } from '../../src/errors/gateway-errors';
import { DEFAULT_UI_DIRECTORIES, HOME_REDIRECT, uiFile } from '../../src/ui/ui-files';

describe('the dashboard files the gateway serves', function () {
  it('serves the page with a policy that lets it load only its own files and call only this gateway', async () => {
    const page = await uiFile('index.html');
    assert.equal(page.status, 200);
    assert.equal(page.contentType, 'text/html; charset=utf-8');
    assert.match(page.headers?.['Content-Security-Policy'] ?? '', /default-src 'none'; script-src 'self'/);
    assert.equal(page.headers?.['X-Content-Type-Options'], 'nosniff');
    assert.deepEqual(HOME_REDIRECT.headers, { Location: '/ui' });
  });

  it('serves every file the page and its modules refer to, with the type a browser needs', async () => {
    const page = readFileSync(join(DEFAULT_UI_DIRECTORIES.staticDir, 'index.html'), 'utf8');
    const referenced = [...page.matchAll(/(?:href|src)="\/ui\/([^"]+)"/g)].map((m) => m[1]!);
    assert.deepEqual(referenced.sort(), ['favicon.svg', 'main.mjs', 'style.css']);
    for (const script of readdirSync(DEFAULT_UI_DIRECTORIES.scriptDir).filter((f) => f.endsWith('.mjs'))) {
      const text = readFileSync(join(DEFAULT_UI_DIRECTORIES.scriptDir, script), 'utf8');
      for (const [, imported] of text.matchAll(/from '\.\/([^']+)'/g)) referenced.push(imported!);
    }
    for (const file of new Set(referenced)) {
      const reply = await uiFile(file);
      assert.equal(reply.status, 200, file);
      if (file.endsWith('.mjs')) assert.equal(reply.contentType, 'text/javascript; charset=utf-8', file);
    }
  });

  it('answers 404 for anything else, and never leaves its two directories', async () => {
    for (const name of [
      '../package.json',
      '..%2Fpackage.json',
      'gateway-main.js',
      'main.mjs.map',
      'nope.css',
      '.env',
      '',
    ])
      await assert.rejects(uiFile(name), RouteNotFoundError, name);
  });
});
