import { InvalidArgumentError } from '@praas/framework/internal';
import { MethodNotAllowedError, RouteNotFoundError } from '../errors/gateway-errors';

/** The operations the REST API serves, one per route and method. */
export type RouteName =
  | 'health'
  | 'metrics'
  | 'home'
  | 'ui'
  | 'uiAsset'
  | 'createApp'
  | 'listApps'
  | 'getApp'
  | 'deleteApp'
  | 'deployVersion'
  | 'listVersions'
  | 'createProcess'
  | 'listProcesses'
  | 'getProcess'
  | 'deleteProcess'
  | 'swapProcess'
  | 'inspectProcess'
  | 'sendMessage'
  | 'invoke'
  | 'watchProcesses'
  | 'listHosts'
  | 'listTimers'
  | 'listProcessTimers'
  | 'cancelTimer';

interface RouteDefinition {
  readonly name: RouteName;
  readonly method: string;
  /** The path with `{param}` segments; also the `route` label of the HTTP metrics. */
  readonly template: string;
}

/** Every route of the REST API (DESIGN §4). */
export const ROUTES: readonly RouteDefinition[] = [
  { name: 'health', method: 'GET', template: '/healthz' },
  { name: 'metrics', method: 'GET', template: '/metrics' },
  { name: 'home', method: 'GET', template: '/' },
  { name: 'ui', method: 'GET', template: '/ui' },
  { name: 'uiAsset', method: 'GET', template: '/ui/{file}' },
  { name: 'createApp', method: 'POST', template: '/v1/apps' },
  { name: 'listApps', method: 'GET', template: '/v1/apps' },
  { name: 'getApp', method: 'GET', template: '/v1/apps/{app}' },
  { name: 'deleteApp', method: 'DELETE', template: '/v1/apps/{app}' },
  { name: 'deployVersion', method: 'PUT', template: '/v1/apps/{app}/versions' },
  { name: 'listVersions', method: 'GET', template: '/v1/apps/{app}/versions' },
  { name: 'createProcess', method: 'POST', template: '/v1/apps/{app}/processes' },
  { name: 'listProcesses', method: 'GET', template: '/v1/apps/{app}/processes' },
  { name: 'getProcess', method: 'GET', template: '/v1/apps/{app}/processes/{pid}' },
  { name: 'deleteProcess', method: 'DELETE', template: '/v1/apps/{app}/processes/{pid}' },
  { name: 'swapProcess', method: 'POST', template: '/v1/apps/{app}/processes/{pid}/swap' },
  { name: 'inspectProcess', method: 'GET', template: '/v1/apps/{app}/processes/{pid}/state' },
  { name: 'sendMessage', method: 'POST', template: '/v1/apps/{app}/processes/{pid}/messages' },
  { name: 'invoke', method: 'POST', template: '/v1/apps/{app}/invoke/{fn}' },
  { name: 'watchProcesses', method: 'GET', template: '/v1/apps/{app}/watch' },
  { name: 'listHosts', method: 'GET', template: '/v1/apps/{app}/hosts' },
  { name: 'listTimers', method: 'GET', template: '/v1/apps/{app}/timers' },
  { name: 'listProcessTimers', method: 'GET', template: '/v1/apps/{app}/processes/{pid}/timers' },
  { name: 'cancelTimer', method: 'DELETE', template: '/v1/apps/{app}/processes/{pid}/timers/{id}' },
];

const SPLIT = ROUTES.map((r) => ({ route: r, segments: r.template.split('/') }));

/** A matched route with its decoded path parameters. */
export interface RouteMatch {
  readonly name: RouteName;
  readonly template: string;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Finds the route for a method and a path (without query string). Parameters are percent-decoded;
 * whether they are valid names is the control plane's concern.
 * @throws RouteNotFoundError (404) when no route has this path; MethodNotAllowedError (405) when
 *   routes have it but not with this method; InvalidArgumentError for broken percent-encoding.
 */
export function matchRoute(method: string, path: string): RouteMatch {
  const segments = path.split('/');
  const allowed: string[] = [];
  for (const { route, segments: pattern } of SPLIT) {
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < pattern.length && ok; i++) {
      const p = pattern[i]!;
      const s = segments[i]!;
      if (p.startsWith('{')) {
        if (s === '') ok = false;
        else params[p.slice(1, -1)] = s;
      } else ok = p === s;
    }
    if (!ok) continue;
    if (route.method !== method) {
      allowed.push(route.method);
      continue;
    }
    for (const [k, v] of Object.entries(params)) params[k] = decodeSegment(k, v);
    return { name: route.name, template: route.template, params };
  }
  if (allowed.length) throw new MethodNotAllowedError(method, path, allowed);
  throw new RouteNotFoundError(path);
}

function decodeSegment(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new InvalidArgumentError(`path parameter '${name}' is not valid percent-encoding`, { parameter: name });
  }
}

/** The template of the route with this path, whatever the method; `unmatched` when none (a bounded metrics label). */
export function routeTemplateOf(path: string): string {
  const segments = path.split('/');
  for (const { route, segments: pattern } of SPLIT) {
    if (
      pattern.length === segments.length &&
      pattern.every((p, i) => (p.startsWith('{') ? segments[i] !== '' : p === segments[i]))
    )
      return route.template;
  }
  return 'unmatched';
}
