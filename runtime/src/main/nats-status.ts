import type { Logger } from '@praas/framework/internal';
import { natsPermissionViolation, type NatsTransport } from '@praas/framework/nats';

/**
 * Logs the NATS connection's changes (disconnect, reconnect, errors: a permissions violation names
 * `user` and the subject) and calls `onReconnect` for each reconnect, until the connection closes.
 */
export function watchNatsStatus(
  connection: NatsTransport['connection'],
  logger: Logger,
  onReconnect: () => void,
  user?: string,
): void {
  const watch = async (): Promise<void> => {
    for await (const status of connection.status()) {
      const fields = { data: typeof status.data === 'string' ? status.data : JSON.stringify(status.data) };
      switch (status.type as string) {
        case 'reconnect':
          onReconnect();
          logger.info('reconnected to NATS', fields);
          break;
        case 'disconnect':
          logger.warn('lost the connection to NATS; reconnecting', fields);
          break;
        case 'error': {
          const refused = natsPermissionViolation(status, user);
          if (refused) logger.error(refused.message, refused.fields);
          else logger.error('NATS connection error', fields);
          break;
        }
        default:
          logger.debug('NATS connection status', { type: status.type, ...fields });
      }
    }
  };
  watch().catch((err: unknown) => logger.warn('stopped watching the NATS connection status', { err }));
}
