import type { RouteName } from '../rest/routes';
import type { AppRight } from './scopes';

/**
 * What an operation needs of the caller's token:
 * - `open`: nothing, no token either (`/healthz`, gRPC `Health`, the dashboard's static files);
 * - `metrics`: the `metrics` scope or admin, when the gateway protects `/metrics` (else open);
 * - `admin`: the admin scope;
 * - `listing`: any valid token; the answer holds the applications the token has a right on;
 * - an {@link AppRight}: that right on the application the request names.
 */
export type Access = 'open' | 'metrics' | 'admin' | 'listing' | { readonly app: AppRight };

/**
 * The access of every operation, REST route and gRPC method alike (a `Record` over the route
 * names: a route added to the REST table does not compile until it says who may call it).
 */
export const ROUTE_ACCESS: Readonly<Record<RouteName, Access>> = {
  health: 'open',
  metrics: 'metrics',
  // The dashboard's page and scripts hold no data: they ask for a token and send it on the API calls.
  home: 'open',
  ui: 'open',
  uiAsset: 'open',
  createApp: 'admin',
  listApps: 'listing',
  getApp: { app: 'read' },
  deleteApp: 'admin',
  deployVersion: { app: 'deploy' },
  listVersions: { app: 'read' },
  createProcess: { app: 'processes' },
  listProcesses: { app: 'read' },
  getProcess: { app: 'read' },
  deleteProcess: { app: 'processes' },
  swapProcess: { app: 'processes' },
  sendMessage: { app: 'send' },
  invoke: { app: 'invoke' },
  watchProcesses: { app: 'read' },
  listHosts: { app: 'read' },
  // A timer's payload is never shown (only its size), so listing is a read; cancelling manages the process.
  listTimers: { app: 'read' },
  listProcessTimers: { app: 'read' },
  cancelTimer: { app: 'processes' },
  // A process's state is the application's data as no other route shows it (fields, keyed state,
  // unread messages): an operator's view, for admins only (issue 17), not a right of the application's tokens.
  inspectProcess: 'admin',
};

/** The gRPC methods of `praas.v1.Gateway` and the REST operation each one is. */
export const GRPC_METHOD_ROUTES = {
  CreateApp: 'createApp',
  ListApps: 'listApps',
  GetApp: 'getApp',
  DeleteApp: 'deleteApp',
  DeployVersion: 'deployVersion',
  ListVersions: 'listVersions',
  CreateProcess: 'createProcess',
  ListProcesses: 'listProcesses',
  GetProcess: 'getProcess',
  SwapProcess: 'swapProcess',
  DeleteProcess: 'deleteProcess',
  Invoke: 'invoke',
  SendMessage: 'sendMessage',
  WatchProcesses: 'watchProcesses',
  InspectProcess: 'inspectProcess',
  ListHosts: 'listHosts',
  ListTimers: 'listTimers',
  CancelTimer: 'cancelTimer',
  Health: 'health',
} as const satisfies Readonly<Record<string, RouteName>>;

export type GrpcMethod = keyof typeof GRPC_METHOD_ROUTES;

/** How an operation reads in an error message: `invoke functions of 'shop'`. */
export function describeOperation(route: RouteName, app: string | undefined): string {
  const of = app === undefined ? '' : ` of '${app}'`;
  switch (route) {
    case 'createApp':
      return 'create applications';
    case 'deleteApp':
      return `delete the application${of}`;
    case 'metrics':
      return 'read the metrics';
    case 'deployVersion':
      return `deploy code${of}`;
    case 'invoke':
      return `invoke functions${of}`;
    case 'sendMessage':
      return `send messages to processes${of}`;
    case 'createProcess':
    case 'deleteProcess':
    case 'swapProcess':
      return `manage the processes${of}`;
    case 'cancelTimer':
      return `cancel the timers of the processes${of}`;
    case 'inspectProcess':
      return `inspect the state of the processes${of}`;
    default:
      return `read the application${of}`;
  }
}
