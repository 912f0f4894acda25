import { silentLogger, type Logger } from '@praas/framework/internal';
import { GatewayAuth } from './auth/gateway-auth';
import type { GatewayTls } from './config/tls-files';
import type { GatewayOperations } from './control/gateway-operations';
import { MeteredOperations } from './control/metered-operations';
import { GrpcServer } from './grpc/grpc-server';
import { withErrorCallback, type ErrorCallback } from './logging/error-callback';
import { GatewayMetrics } from './metrics/gateway-metrics';
import { RestServer } from './rest/rest-server';

export interface GatewayOptions {
  /** The control plane both front ends serve (a `ControlPlane`). */
  readonly controlPlane: GatewayOperations;
  /**
   * Who may call what: `GatewayAuth.fromFile(path)` for bearer tokens (DESIGN §8a). Without it the
   * gateway is open, as the embedded and dev stacks are, and logs a warning saying so when it starts.
   */
  readonly auth?: GatewayAuth;
  /** Serve REST over HTTPS and gRPC over TLS with this certificate and key (`readTlsFiles`); default plain. */
  readonly tls?: GatewayTls;
  /** Largest request body (REST) and payload (gRPC) accepted, in bytes (default 1 MiB). */
  readonly bodyLimitBytes?: number;
  /** Largest code bundle `PUT /v1/apps/{app}/versions` and gRPC `DeployVersion` accept, in bytes (default 64 MiB). */
  readonly bundleLimitBytes?: number;
  /** Interval of keep-alive comments on server-sent event streams (default 15 000 ms). */
  readonly sseKeepAliveMs?: number;
  /** How long `stop()` lets requests in flight finish before closing their connections (default 5 000 ms). */
  readonly stopGraceMs?: number;
  /** Where the gateway logs (default: nowhere; `runGateway` gives JSON on stderr at PRAAS_LOG_LEVEL). */
  readonly logger?: Logger;
  /**
   * Also told about each error record (errors that are the gateway's own fault), with its error.
   * @deprecated give a `logger`.
   */
  readonly log?: ErrorCallback;
  /** Also export Node's process metrics at `/metrics` (default false; `runGateway` turns them on). */
  readonly processMetrics?: boolean;
}

export interface GatewayStartOptions {
  /** HTTP port of the REST API; 0 picks a free one (default 0). */
  readonly httpPort?: number;
  /** gRPC port; 0 picks a free one (default 0). */
  readonly grpcPort?: number;
  /** Interface to bind both servers to (default 127.0.0.1). */
  readonly host?: string;
}

/** Where a started gateway listens. */
export interface GatewayAddresses {
  readonly host: string;
  readonly httpPort: number;
  readonly grpcPort: number;
  /** Base URL of the REST API, e.g. `http://127.0.0.1:8080`. */
  readonly httpUrl: string;
  /** `host:port` of the gRPC service. */
  readonly grpcAddress: string;
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * The gateway (DESIGN §3, §4): the control plane behind a REST API and a gRPC service, with
 * Prometheus metrics. It owns both servers; the control plane's transport, registry and host
 * provider stay with whoever created them.
 * @example
 * ```ts
 * const gateway = new Gateway({ controlPlane });
 * const { httpUrl, grpcAddress } = await gateway.start({ httpPort: 8080, grpcPort: 50051, host: '0.0.0.0' });
 * // ...
 * await gateway.stop();
 * ```
 */
export class Gateway {
  /** The metrics served at `GET /metrics`. */
  readonly metrics: GatewayMetrics;
  private readonly rest: RestServer;
  private readonly grpc: GrpcServer;
  private readonly auth: GatewayAuth;
  private readonly logger: Logger;
  private state: 'new' | 'starting' | 'started' | 'stopped' = 'new';

  constructor(private readonly options: GatewayOptions) {
    const logger = withErrorCallback(options.logger ?? silentLogger, options.log);
    this.logger = logger;
    this.auth = options.auth ?? GatewayAuth.open();
    this.metrics = new GatewayMetrics(options.controlPlane, {
      logger: logger.child({ component: 'metrics' }),
      processMetrics: options.processMetrics === true,
    });
    const operations = new MeteredOperations(options.controlPlane, this.metrics, logger);
    const common = {
      operations,
      metrics: this.metrics,
      auth: this.auth,
      ...(options.tls === undefined ? {} : { tls: options.tls }),
      ...(options.bodyLimitBytes === undefined ? {} : { bodyLimitBytes: options.bodyLimitBytes }),
      ...(options.bundleLimitBytes === undefined ? {} : { bundleLimitBytes: options.bundleLimitBytes }),
    };
    this.rest = new RestServer({
      ...common,
      logger: logger.child({ component: 'rest' }),
      ...(options.sseKeepAliveMs === undefined ? {} : { sseKeepAliveMs: options.sseKeepAliveMs }),
    });
    this.grpc = new GrpcServer({ ...common, logger: logger.child({ component: 'grpc' }) });
  }

  /** Starts both servers; resolves with the bound ports. A gateway starts once. */
  async start(options: GatewayStartOptions = {}): Promise<GatewayAddresses> {
    if (this.state !== 'new') throw new Error(`the gateway was already ${this.state}; create a new one`);
    this.state = 'starting';
    const host = options.host ?? '127.0.0.1';
    try {
      const http = await this.rest.listen(options.httpPort ?? 0, host);
      const grpcPort = await this.grpc.listen(options.grpcPort ?? 0, host);
      this.state = 'started';
      if (!this.auth.enabled)
        this.logger.warn(
          'the gateway runs open: no authentication, anyone who reaches it may create, deploy, invoke and delete (give it a GatewayAuth)',
          { host },
        );
      return {
        host,
        httpPort: http.port,
        grpcPort,
        httpUrl: `${this.options.tls ? 'https' : 'http'}://${hostForUrl(host)}:${http.port}`,
        grpcAddress: `${hostForUrl(host)}:${grpcPort}`,
      };
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  /** Ends watch streams, lets requests in flight finish (up to `stopGraceMs`) and closes both servers. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    const grace = this.options.stopGraceMs ?? 5_000;
    await Promise.all([this.rest.close(grace), this.grpc.close(grace)]);
  }
}
