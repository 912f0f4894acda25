import type { Status } from 'nats';

/**
 * What a permissions violation the server reported asynchronously (a `status()` event of type
 * `error`) was about: nats.js fails a request whose subject is refused, but a refused publish or
 * subscription is only reported this way. Undefined for any other status.
 */
export function natsPermissionViolation(
  status: Status,
  user: string | undefined,
): { message: string; fields: Record<string, string> } | undefined {
  const context = (status as { permissionContext?: { operation: string; subject: string; queue?: string } })
    .permissionContext;
  if ((status.type as string) !== 'error' || context === undefined) return undefined;
  const who = user === undefined ? 'this connection (no NATS user)' : `NATS user '${user}'`;
  return {
    message: `nats-server refused ${who} to ${context.operation === 'publish' ? 'publish to' : 'subscribe to'} '${context.subject}'; its permissions do not cover that subject`,
    fields: {
      user: user ?? '',
      operation: context.operation,
      subject: context.subject,
      ...(context.queue === undefined ? {} : { queue: context.queue }),
    },
  };
}
