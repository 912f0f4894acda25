import { connect, ErrorCode, NatsError, type NatsConnection } from 'nats';
import {
  NoRespondersError,
  PayloadTooLargeError,
  PermissionDeniedError,
  PraasError,
  TimeoutError,
  UnauthenticatedError,
  UnavailableError,
} from '../../errors';

/** How to reach a NATS server (or cluster); shared by the NATS transport and the KV registry. */
export interface NatsConnectionOptions {
  /** One or more server URLs, e.g. `nats://127.0.0.1:4222`. */
  readonly servers: string | readonly string[];
  /** Connection name shown by the server's monitoring (default `praas`). */
  readonly name?: string;
  /** How long the first connection attempt may take (default 5 000 ms). */
  readonly connectTimeoutMs?: number;
  /** Wait between reconnect attempts; attempts are unlimited so a restarted server is found again (default 250 ms). */
  readonly reconnectWaitMs?: number;
  /** The user to authenticate as, with its password (a nats-server with `authorization` users). */
  readonly user?: string;
  readonly password?: string;
  /**
   * Prefix of this connection's inboxes (default `_INBOX`); an application's hosts use
   * `appInboxPrefix(app)`, the only inboxes their NATS user may subscribe to.
   */
  readonly inboxPrefix?: string;
}

/**
 * Connects to NATS with the framework's defaults: unlimited reconnect attempts with short waits
 * (a restarted server is picked up again, subscriptions are restored) and no async stack traces
 * on the request path.
 * @throws UnavailableError naming the servers when no server answers.
 * @example
 * ```ts
 * const nc = await connectNats({ servers: 'nats://127.0.0.1:4222' });
 * ```
 */
export async function connectNats(options: NatsConnectionOptions): Promise<NatsConnection> {
  const servers = typeof options.servers === 'string' ? [options.servers] : [...options.servers];
  if (servers.length === 0 || servers.some((s) => typeof s !== 'string' || s.length === 0)) {
    throw new UnavailableError(`connectNats needs at least one server URL, got ${JSON.stringify(options.servers)}`);
  }
  try {
    return await connect({
      servers,
      name: options.name ?? 'praas',
      timeout: options.connectTimeoutMs ?? 5_000,
      maxReconnectAttempts: -1,
      reconnectTimeWait: options.reconnectWaitMs ?? 250,
      reconnectJitter: 50,
      noAsyncTraces: true,
      ...(options.user === undefined ? {} : { user: options.user, pass: options.password ?? '' }),
      ...(options.inboxPrefix === undefined ? {} : { inboxPrefix: options.inboxPrefix }),
    });
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    if (cause instanceof NatsError && (cause.code as ErrorCode) === ErrorCode.AuthorizationViolation) {
      const who =
        options.user === undefined
          ? 'without a user (set PRAAS_NATS_USER and PRAAS_NATS_PASSWORD)'
          : `as user '${options.user}'`;
      throw new UnauthenticatedError(`NATS at ${servers.join(', ')} refused the connection ${who}: ${reason}`);
    }
    throw new UnavailableError(`cannot connect to NATS at ${servers.join(', ')}: ${reason}`, {
      cause,
      details: { servers },
    });
  }
}

/** What a failed NATS operation was about, for error messages. */
export interface NatsFailureContext {
  /** Subject the operation addressed. */
  readonly subject: string;
  /** What was sent, e.g. `request to 'praas.app.p.x'`. */
  readonly what: string;
  readonly size: number;
  /** The operation's timeout, named in a TimeoutError; every call that has one passes it. */
  readonly timeoutMs?: number;
  /** The server's max_payload when known. */
  readonly maxPayload?: number;
}

/** Maps an error of the nats client to the framework's error classes; PraasErrors pass unchanged. */
export function fromNatsError(error: unknown, context: NatsFailureContext): PraasError {
  if (error instanceof PraasError) return error;
  if (error instanceof NatsError) {
    switch (error.code as ErrorCode) {
      case ErrorCode.NoResponders:
        return new NoRespondersError(context.subject);
      case ErrorCode.Timeout:
      case ErrorCode.JetStream408RequestTimeout:
        return new TimeoutError(
          context.timeoutMs === undefined
            ? `no reply to the ${context.what} in time`
            : `no reply to the ${context.what} within ${context.timeoutMs} ms`,
          { subject: context.subject, ...(context.timeoutMs === undefined ? {} : { timeoutMs: context.timeoutMs }) },
        );
      case ErrorCode.PermissionsViolation:
        return new PermissionDeniedError(`NATS refused the ${context.what}: ${error.message}`, {
          cause: error,
          details: { subject: context.subject },
        });
      case ErrorCode.MaxPayloadExceeded:
        return new PayloadTooLargeError(context.what, context.size, context.maxPayload ?? -1);
      case ErrorCode.ConnectionClosed:
      case ErrorCode.ConnectionDraining:
        return new UnavailableError(`the NATS connection is closed; cannot send the ${context.what}`, {
          cause: error,
          details: { subject: context.subject },
        });
    }
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new UnavailableError(`NATS failed the ${context.what}: ${reason}`, {
    cause: error,
    details: { subject: context.subject },
  });
}
