import type { Logger } from '@praas/framework/internal';
import type { GatewayAuth } from '../auth/gateway-auth';
import type { GatewayOperations } from '../control/gateway-operations';
import type { ErrorCallback } from '../logging/error-callback';
import type { GatewayMetrics } from '../metrics/gateway-metrics';
import type { GatewayTls } from './tls-files';

/** What the REST and the gRPC front end both take: the operations they serve, and how. */
export interface FrontEndOptions {
  readonly operations: GatewayOperations;
  readonly metrics: GatewayMetrics;
  /** Who may call what (default: everyone everything, `GatewayAuth.open()`). */
  readonly auth?: GatewayAuth;
  /** Serve TLS (HTTPS for REST) with this certificate and key (default: insecure, plain HTTP). */
  readonly tls?: GatewayTls;
  /** Largest request body or Invoke/SendMessage payload accepted (default 1 MiB); REST answers a larger one with 413. */
  readonly bodyLimitBytes?: number;
  /** Largest code bundle a deployment accepts, over all its chunks on gRPC (default 64 MiB). */
  readonly bundleLimitBytes?: number;
  /** Where the server logs: errors that are the gateway's own fault, streams that did not end cleanly (default: nowhere). */
  readonly logger?: Logger;
  /**
   * Also told about each error record, with its error.
   * @deprecated give a `logger`.
   */
  readonly log?: ErrorCallback;
}
