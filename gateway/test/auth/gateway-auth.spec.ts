import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PermissionDeniedError, UnauthenticatedError } from '@praas/framework';
import { GatewayAuth } from '../../src/auth/gateway-auth';
import { ROUTE_ACCESS } from '../../src/auth/route-access';
import { newToken, parseTokenFile, tokenId } from '../../src/auth/token-file';
import { runTokenCommand } from '../../src/auth/token-command';
import { ROUTES, type RouteName } from '../../src/rest/routes';

function authWith(...tokens: { id: string; scopes: string[] }[]): { auth: GatewayAuth; tokens: Map<string, string> } {
  const made = tokens.map((t) => newToken(t.id, t.scopes));
  const auth = GatewayAuth.fromTokens(parseTokenFile(JSON.stringify({ tokens: made.map((m) => m.entry) }), 'test'), {});
  return { auth, tokens: new Map(made.map((m) => [m.entry.id, `Bearer ${m.token}`])) };
}

describe('GatewayAuth (bearer tokens and scopes)', () => {
  const { auth, tokens } = authWith(
    { id: 'root', scopes: ['admin'] },
    { id: 'shop-ro', scopes: ['app:shop:read'] },
    { id: 'shop-ops', scopes: ['app:shop:processes', 'app:shop:invoke'] },
    { id: 'all-shop', scopes: ['app:shop:*'] },
  );
  const bearer = (id: string): string => tokens.get(id)!;

  it('refuses a missing, malformed, unknown or altered token with UNAUTHENTICATED', () => {
    assert.throws(() => auth.check('invoke', undefined, 'shop'), UnauthenticatedError);
    assert.throws(() => auth.check('invoke', 'Basic abc', 'shop'), /must be 'Bearer <token>'/);
    assert.throws(() => auth.check('invoke', 'Bearer praas_nobody.abc', 'shop'), /not valid/);
    const altered = bearer('root').slice(0, -1) + (bearer('root').endsWith('A') ? 'B' : 'A');
    assert.throws(() => auth.check('createApp', altered), UnauthenticatedError);
  });

  it('grants per application and right, admin everything, and says which scope is missing', () => {
    assert.equal(auth.check('createApp', bearer('root')).id, 'root');
    assert.equal(auth.check('invoke', bearer('root'), 'any').id, 'root');
    assert.equal(auth.check('getProcess', bearer('shop-ro'), 'shop').id, 'shop-ro');
    assert.throws(() => auth.check('invoke', bearer('shop-ro'), 'shop'), /needs the scope 'app:shop:invoke'/);
    assert.throws(() => auth.check('getApp', bearer('shop-ro'), 'bank'), PermissionDeniedError);
    // processes includes read; neither includes send or deploy.
    assert.equal(auth.check('listProcesses', bearer('shop-ops'), 'shop').id, 'shop-ops');
    assert.throws(() => auth.check('sendMessage', bearer('shop-ops'), 'shop'), PermissionDeniedError);
    assert.throws(() => auth.check('deployVersion', bearer('shop-ops'), 'shop'), PermissionDeniedError);
    assert.equal(auth.check('deployVersion', bearer('all-shop'), 'shop').id, 'all-shop');
    assert.throws(() => auth.check('createApp', bearer('all-shop')), /needs the scope 'admin'/);
    assert.throws(() => auth.check('deleteApp', bearer('all-shop'), 'shop'), PermissionDeniedError);
  });

  it("inspecting a process's state needs the admin scope: no right of the application's own tokens covers it", () => {
    assert.equal(auth.check('inspectProcess', bearer('root'), 'shop').id, 'root');
    for (const id of ['all-shop', 'shop-ops', 'shop-ro'])
      assert.throws(
        () => auth.check('inspectProcess', bearer(id), 'shop'),
        (e: unknown) =>
          e instanceof PermissionDeniedError &&
          e.message ===
            `token '${id}' may not inspect the state of the processes of 'shop'; that needs the scope 'admin'`,
      );
    // The same tokens still read and manage the process itself.
    assert.equal(auth.check('getProcess', bearer('all-shop'), 'shop').id, 'all-shop');
    assert.equal(auth.check('swapProcess', bearer('shop-ops'), 'shop').id, 'shop-ops');
    const admin = (Object.entries(ROUTE_ACCESS) as [RouteName, unknown][]).filter(([, a]) => a === 'admin');
    assert.deepEqual(admin.map(([n]) => n).sort(), ['createApp', 'deleteApp', 'inspectProcess']);
  });

  it('leaves /healthz open, /metrics open unless protected, and lists only the applications a token has a right on', () => {
    assert.equal(auth.check('health', undefined).id, 'anonymous');
    assert.equal(auth.check('metrics', undefined).id, 'anonymous');
    const guarded = authWith({ id: 'scraper', scopes: ['metrics'] }, { id: 'shop', scopes: ['app:shop:read'] });
    const strict = GatewayAuth.fromTokens(parseTokenFile(JSON.stringify({ tokens: [] }), 'none'), {
      protectMetrics: true,
    });
    assert.throws(() => strict.check('metrics', undefined), UnauthenticatedError);
    const protectedAuth = GatewayAuth.fromTokens([], { protectMetrics: true });
    assert.throws(() => protectedAuth.check('metrics', guarded.tokens.get('scraper')), UnauthenticatedError);
    const principal = auth.check('listApps', bearer('shop-ro'));
    assert.equal(auth.sees(principal, 'shop'), true);
    assert.equal(auth.sees(principal, 'bank'), false);
  });

  it('says for every REST route who may call it, and only /healthz and the dashboard’s files are open', () => {
    const names = ROUTES.map((r) => r.name).sort();
    assert.deepEqual(Object.keys(ROUTE_ACCESS).sort(), names);
    const open = (Object.entries(ROUTE_ACCESS) as [RouteName, unknown][]).filter(([, a]) => a === 'open');
    assert.deepEqual(open.map(([n]) => n).sort(), ['health', 'home', 'ui', 'uiAsset']);
  });

  it('an open gateway lets anyone do anything', () => {
    const open = GatewayAuth.open();
    assert.equal(open.enabled, false);
    assert.equal(open.check('deleteApp', undefined, 'shop').grants.admin, true);
  });

  it('refuses token files that are not valid, naming the entry', () => {
    assert.throws(() => parseTokenFile('{', 'f'), /f is not JSON/);
    assert.throws(
      () => parseTokenFile('{"tokens":[{"id":"a","sha256":"xy","scopes":[]}]}', 'f'),
      /token 1 \('a'\): 'sha256'/,
    );
    const { entry } = newToken('a', ['admin']);
    assert.throws(() => parseTokenFile(JSON.stringify({ tokens: [entry, entry] }), 'f'), /appears twice/);
    assert.throws(
      () => parseTokenFile(JSON.stringify({ tokens: [{ ...entry, scopes: ['app:shop:write'] }] }), 'f'),
      /scope 'app:shop:write' is not valid/,
    );
    assert.equal(tokenId(newToken('ci', ['admin']).token), 'ci');
  });

  it('token create/list/revoke manage a file a running gateway rereads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'praas-tokens-'));
    try {
      const file = join(dir, 'tokens.json');
      const out: string[] = [];
      const err: string[] = [];
      assert.equal(
        runTokenCommand(
          ['create', '--file', file, '--id', 'ci', '--scope', 'admin'],
          (l) => out.push(l),
          (l) => err.push(l),
        ),
        0,
      );
      const token = out.pop()!;
      const live = GatewayAuth.fromFile(file, { reloadIntervalMs: 20 });
      try {
        assert.equal(live.check('createApp', `Bearer ${token}`).id, 'ci');
        assert.equal(
          runTokenCommand(
            ['create', '--file', file, '--id', 'ci', '--scope', 'admin'],
            () => undefined,
            (l) => err.push(l),
          ),
          2,
        );
        assert.match(err.pop()!, /already has a token 'ci'/);
        assert.equal(
          runTokenCommand(
            ['list', '--file', file],
            (l) => out.push(l),
            () => undefined,
          ),
          0,
        );
        assert.match(out.pop()!, /^ci\tadmin\t/);
        assert.equal(
          runTokenCommand(
            ['revoke', '--file', file, '--id', 'ci'],
            () => undefined,
            () => undefined,
          ),
          0,
        );
        for (let i = 0; ; i++) {
          try {
            live.check('createApp', `Bearer ${token}`);
          } catch (e) {
            assert.ok(e instanceof UnauthenticatedError);
            break;
          }
          assert.ok(i < 500, 'the revoked token was still accepted');
          await new Promise((r) => setTimeout(r, 20));
        }
        assert.equal(
          runTokenCommand(
            ['create', '--file', file, '--id', 'ci2', '--scope', 'app:shop:read'],
            (l) => out.push(l),
            () => undefined,
          ),
          0,
        );
        const second = `Bearer ${out.pop()!}`;
        for (let i = 0; live.size === 0; i++) {
          assert.ok(i < 500, 'the new token was not picked up');
          await new Promise((r) => setTimeout(r, 20));
        }
        writeFileSync(file, 'not json');
        await new Promise((r) => setTimeout(r, 200));
        assert.equal(live.check('getApp', second, 'shop').id, 'ci2', 'a broken file leaves the tokens read before');
      } finally {
        live.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('GatewayAuth: the timer routes', () => {
  const { auth, tokens } = authWith(
    { id: 'shop-ro', scopes: ['app:shop:read'] },
    { id: 'shop-ops', scopes: ['app:shop:processes'] },
    { id: 'bank', scopes: ['app:bank:*'] },
  );
  const bearer = (id: string): string => tokens.get(id)!;

  it('lets a read token list timers but not cancel them; cancelling needs the processes right on that application', () => {
    for (const route of ['listTimers', 'listProcessTimers'] as const) {
      assert.doesNotThrow(() => auth.check(route, bearer('shop-ro'), 'shop'));
      assert.throws(() => auth.check(route, bearer('bank'), 'shop'), PermissionDeniedError);
      assert.throws(() => auth.check(route, undefined, 'shop'), UnauthenticatedError);
    }
    assert.throws(
      () => auth.check('cancelTimer', bearer('shop-ro'), 'shop'),
      (e: Error) =>
        e instanceof PermissionDeniedError &&
        /cancel the timers of the processes of 'shop'/.test(e.message) &&
        /'app:shop:processes'/.test(e.message),
    );
    assert.doesNotThrow(() => auth.check('cancelTimer', bearer('shop-ops'), 'shop'));
    assert.throws(() => auth.check('cancelTimer', bearer('shop-ops'), 'bank'), PermissionDeniedError);
  });
});
