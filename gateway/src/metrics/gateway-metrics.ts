import { silentLogger, type ControlPlaneApi, type ErrorCode, type Logger, type ProcessInfo } from '@praas/framework';
import type { Counter } from './counter';
import type { Gauge } from './gauge';
import type { Histogram } from './histogram';
import { MetricsRegistry } from './metrics-registry';

/** Label value used where the request named something that does not exist (keeps cardinality bounded). */
export const UNKNOWN_LABEL = '(unknown)';

/** Error codes that mean the request named an application or function that does not exist. */
const UNKNOWN_APP_CODES: ReadonlySet<string> = new Set<ErrorCode>(['APPLICATION_NOT_FOUND', 'INVALID_NAME']);
const UNKNOWN_FN_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'APPLICATION_NOT_FOUND',
  'INVALID_NAME',
  'FUNCTION_NOT_FOUND',
]);

/**
 * The gateway's metrics (served at `GET /metrics`): invocations and their latency, explicit
 * swaps, HTTP and gRPC requests, open watch streams, and the processes per application and
 * status, read from the registry at scrape time.
 */
export class GatewayMetrics {
  readonly registry = new MetricsRegistry();
  readonly invocations: Counter;
  readonly invocationSeconds: Histogram;
  readonly swaps: Counter;
  readonly swapSeconds: Histogram;
  readonly processes: Gauge;
  readonly httpRequests: Counter;
  readonly httpSeconds: Histogram;
  readonly grpcRequests: Counter;
  readonly watchStreams: Gauge;

  /** @param logger where failures at scrape time are logged (default: nowhere). */
  constructor(api: Pick<ControlPlaneApi, 'listApps' | 'listProcesses'>, logger: Logger = silentLogger) {
    const r = this.registry;
    this.invocations = r.counter({
      name: 'praas_gateway_invocations_total',
      help: 'Invocations through the gateway, by application, function and outcome (ok or the error code).',
      labelNames: ['app', 'fn', 'outcome'],
    });
    this.invocationSeconds = r.histogram({
      name: 'praas_gateway_invocation_duration_seconds',
      help: 'Latency of invocations through the gateway, including any swap-in, by application and function.',
      labelNames: ['app', 'fn'],
    });
    this.swaps = r.counter({
      name: 'praas_gateway_swaps_total',
      help: 'Explicit swaps requested through the gateway, by application, direction (in/out) and outcome.',
      labelNames: ['app', 'direction', 'outcome'],
    });
    this.swapSeconds = r.histogram({
      name: 'praas_gateway_swap_duration_seconds',
      help: 'Duration of explicit swaps requested through the gateway, by application and direction.',
      labelNames: ['app', 'direction'],
    });
    this.processes = r.gauge({
      name: 'praas_processes',
      help: 'Processes per application and status, as the registry holds them at scrape time.',
      labelNames: ['app', 'status'],
      collect: async (gauge) => {
        for (const app of await api.listApps()) {
          const counts = new Map<string, number>([
            ['active', 0],
            ['swapped', 0],
          ]);
          for (const p of await api.listProcesses(app.name).catch((e: unknown): ProcessInfo[] => {
            // Deleted since the listing, most likely: its processes are gone from the gauge too.
            logger.debug('cannot list the processes of an application for the process gauge', {
              app: app.name,
              err: e,
            });
            return [];
          }))
            counts.set(p.status, (counts.get(p.status) ?? 0) + 1);
          for (const [status, n] of counts) gauge.set({ app: app.name, status }, n);
        }
      },
    });
    this.httpRequests = r.counter({
      name: 'praas_gateway_http_requests_total',
      help: 'HTTP requests, by route template, method and status code.',
      labelNames: ['route', 'method', 'status'],
    });
    this.httpSeconds = r.histogram({
      name: 'praas_gateway_http_request_duration_seconds',
      help: 'Time to answer HTTP requests (up to the response head for event streams), by route template.',
      labelNames: ['route'],
    });
    this.grpcRequests = r.counter({
      name: 'praas_gateway_grpc_requests_total',
      help: 'gRPC calls, by method and status code name.',
      labelNames: ['method', 'code'],
    });
    this.watchStreams = r.gauge({
      name: 'praas_gateway_watch_streams',
      help: 'Open watch streams (server-sent events and gRPC), by protocol.',
      labelNames: ['protocol'],
    });
  }

  /** Records an invocation; names the request gave that turned out not to exist become `(unknown)`. */
  observeInvocation(app: string, fn: string, outcome: string, seconds: number): void {
    const appLabel = UNKNOWN_APP_CODES.has(outcome) ? UNKNOWN_LABEL : app;
    const fnLabel = UNKNOWN_FN_CODES.has(outcome) ? UNKNOWN_LABEL : fn;
    this.invocations.inc({ app: appLabel, fn: fnLabel, outcome });
    this.invocationSeconds.observe({ app: appLabel, fn: fnLabel }, seconds);
  }

  /** Records an explicit swap; failed swaps of unknown applications or processes are not labelled by name. */
  observeSwap(app: string, direction: 'in' | 'out', outcome: string, seconds: number): void {
    const appLabel = outcome === 'ok' || !UNKNOWN_APP_CODES.has(outcome) ? app : UNKNOWN_LABEL;
    this.swaps.inc({ app: appLabel, direction, outcome });
    if (outcome === 'ok') this.swapSeconds.observe({ app: appLabel, direction }, seconds);
  }

  render(): Promise<string> {
    return this.registry.render();
  }
}
