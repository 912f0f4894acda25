import assert from 'node:assert/strict';
import { MethodNotAllowedError, RouteNotFoundError } from '../../src/errors/gateway-errors';
import { matchRoute, routeTemplateOf, ROUTES } from '../../src/rest/routes';

describe('REST route parsing', () => {
  it('matches every operation with its parameters', () => {
    assert.deepEqual(matchRoute('POST', '/v1/apps/shop/invoke/add'), {
      name: 'invoke',
      template: '/v1/apps/{app}/invoke/{fn}',
      params: { app: 'shop', fn: 'add' },
    });
    assert.equal(matchRoute('GET', '/v1/apps').name, 'listApps');
    assert.equal(matchRoute('POST', '/v1/apps').name, 'createApp');
    assert.equal(matchRoute('DELETE', '/v1/apps/shop/processes/p1').name, 'deleteProcess');
    assert.equal(matchRoute('POST', '/v1/apps/shop/processes/p1/swap').name, 'swapProcess');
    assert.equal(matchRoute('POST', '/v1/apps/shop/processes/p1/messages').name, 'sendMessage');
    assert.equal(matchRoute('GET', '/v1/apps/shop/watch').name, 'watchProcesses');
    assert.equal(matchRoute('GET', '/healthz').name, 'health');
    assert.equal(matchRoute('GET', '/metrics').name, 'metrics');
    assert.equal(new Set(ROUTES.map((r) => r.name)).size, ROUTES.length, 'one route per operation');
  });

  it('percent-decodes parameters and leaves their validation to the control plane', () => {
    assert.deepEqual(matchRoute('GET', '/v1/apps/a%20b').params, { app: 'a b' });
    assert.throws(() => matchRoute('GET', '/v1/apps/%E0%A4%A'), { code: 'INVALID_ARGUMENT' });
  });

  it('tells an unknown path (404) from a known path with the wrong method (405, with the allowed ones)', () => {
    assert.throws(() => matchRoute('GET', '/v2/apps'), RouteNotFoundError);
    assert.throws(() => matchRoute('GET', '/v1/apps/'), RouteNotFoundError);
    assert.throws(() => matchRoute('GET', '/v1/apps//processes'), RouteNotFoundError);
    assert.throws(
      () => matchRoute('PUT', '/v1/apps/shop'),
      (e: unknown) => e instanceof MethodNotAllowedError && String(e.details['allowed']) === 'GET,DELETE',
    );
  });

  it('labels metrics by template, never by the raw path', () => {
    assert.equal(routeTemplateOf('/v1/apps/shop/processes/p1'), '/v1/apps/{app}/processes/{pid}');
    assert.equal(routeTemplateOf('/no/such/thing'), 'unmatched');
  });
});
