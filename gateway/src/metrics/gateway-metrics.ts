import {
  silentLogger,
  type ControlPlaneApi,
  type ErrorCode,
  type Logger,
  type ProcessInfo,
} from '@praas/framework/internal';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Latency buckets (seconds): a warm invocation takes a millisecond, one that swaps a large state in seconds. */
export const DEFAULT_SECONDS_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

/** Label value used where the request named something that does not exist (keeps cardinality bounded). */
export const UNKNOWN_LABEL = '(unknown)';

/** Error codes that mean the request named an application or function that does not exist. */
const UNKNOWN_APP_CODES: ReadonlySet<string> = new Set<ErrorCode>(['APPLICATION_NOT_FOUND', 'INVALID_NAME']);
const UNKNOWN_FN_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'APPLICATION_NOT_FOUND',
  'INVALID_NAME',
  'FUNCTION_NOT_FOUND',
]);

export interface GatewayMetricsOptions {
  /** Where failures at scrape time are logged (default: nowhere). */
  readonly logger?: Logger;
  /**
   * Also export Node's process metrics (`process_resident_memory_bytes`, heap, event-loop lag);
   * default false, as several gateways may share one Node process (embedded, tests).
   */
  readonly processMetrics?: boolean;
}

/**
 * The gateway's metrics (served at `GET /metrics`, prom-client): invocations and their latency,
 * explicit swaps, HTTP and gRPC requests, open watch streams, and the processes per application
 * and status, read from the registry at scrape time.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly invocations: Counter<'app' | 'fn' | 'outcome'>;
  readonly invocationSeconds: Histogram<'app' | 'fn'>;
  readonly swaps: Counter<'app' | 'direction' | 'outcome'>;
  readonly swapSeconds: Histogram<'app' | 'direction'>;
  readonly processes: Gauge<'app' | 'status'>;
  readonly httpRequests: Counter<'route' | 'method' | 'status'>;
  readonly httpSeconds: Histogram<'route'>;
  readonly grpcRequests: Counter<'method' | 'code'>;
  readonly watchStreams: Gauge<'protocol'>;

  constructor(api: Pick<ControlPlaneApi, 'listApps' | 'listProcesses'>, options: GatewayMetricsOptions = {}) {
    const logger = options.logger ?? silentLogger;
    const registers = [this.registry];
    const counter = <T extends string>(name: string, help: string, labelNames: readonly T[] = []): Counter<T> =>
      new Counter({ name, help, labelNames, registers });
    const buckets = [...DEFAULT_SECONDS_BUCKETS];
    const histogram = <T extends string>(name: string, help: string, labelNames: readonly T[]): Histogram<T> =>
      new Histogram({ name, help, labelNames, buckets, registers });
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
    this.invocations = counter(
      'praas_gateway_invocations_total',
      'Invocations through the gateway, by application, function and outcome (ok or the error code).',
      ['app', 'fn', 'outcome'],
    );
    this.invocationSeconds = histogram(
      'praas_gateway_invocation_duration_seconds',
      'Latency of invocations through the gateway, including any swap-in, by application and function.',
      ['app', 'fn'],
    );
    this.swaps = counter(
      'praas_gateway_swaps_total',
      'Explicit swaps requested through the gateway, by application, direction (in/out) and outcome.',
      ['app', 'direction', 'outcome'],
    );
    this.swapSeconds = histogram(
      'praas_gateway_swap_duration_seconds',
      'Duration of explicit swaps requested through the gateway, by application and direction.',
      ['app', 'direction'],
    );
    this.processes = new Gauge({
      name: 'praas_processes',
      help: 'Processes per application and status, as the registry holds them at scrape time.',
      labelNames: ['app', 'status'],
      registers,
      async collect() {
        this.reset();
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
          for (const [status, n] of counts) this.set({ app: app.name, status }, n);
        }
      },
    });
    this.httpRequests = counter(
      'praas_gateway_http_requests_total',
      'HTTP requests, by route template, method and status code.',
      ['route', 'method', 'status'],
    );
    this.httpSeconds = histogram(
      'praas_gateway_http_request_duration_seconds',
      'Time to answer HTTP requests (up to the response head for event streams), by route template.',
      ['route'],
    );
    this.grpcRequests = counter('praas_gateway_grpc_requests_total', 'gRPC calls, by method and status code name.', [
      'method',
      'code',
    ]);
    this.watchStreams = new Gauge({
      name: 'praas_gateway_watch_streams',
      help: 'Open watch streams (server-sent events and gRPC), by protocol.',
      labelNames: ['protocol'],
      registers,
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

  /** Every series in the Prometheus text format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** The content type of {@link render}'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }
}
