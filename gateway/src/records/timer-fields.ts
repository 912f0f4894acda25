import { InvalidArgumentError, type TimerDetails, type TimerListQuery } from '@praas/framework/internal';
import { checkQueryParameters } from './query-parameters';

const PARAMETERS = ['limit', 'cursor'] as const;

/**
 * A timer page query from its fields as strings: REST query parameters, or gRPC fields (absent as
 * '' or 0). The timer store checks the values (limit range, cursor).
 * @throws InvalidArgumentError for a limit that is not a number.
 */
export function timerQuery(limit: string | undefined, cursor: string | undefined): TimerListQuery {
  if (limit !== undefined && limit !== '' && !/^\d+$/.test(limit))
    throw new InvalidArgumentError(`limit must be a positive integer, got '${limit}'`, { limit });
  return {
    ...(limit === undefined || limit === '' ? {} : { limit: Number(limit) }),
    ...(cursor === undefined || cursor === '' ? {} : { cursor }),
  };
}

/** A timer page query from the REST query (`limit`, `cursor`); anything else is refused. */
export function restTimerQuery(query: URLSearchParams): TimerListQuery {
  checkQueryParameters(query, 'list timers', PARAMETERS);
  return timerQuery(query.get('limit') ?? undefined, query.get('cursor') ?? undefined);
}

/**
 * A timer as the gRPC message `Timer` (camelCase, as @grpc/proto-loader takes it): the schedule
 * as `TimerSchedule` with the fields of its kind, absent fields as proto3 defaults.
 */
export function timerMessage(info: TimerDetails): Record<string, unknown> {
  const s = info.schedule;
  return {
    app: info.app,
    pid: info.pid,
    id: info.id,
    fn: info.fn,
    schedule: {
      kind: s.kind,
      at: s.kind === 'at' ? s.at : 0,
      everyMs: s.kind === 'every' ? s.everyMs : 0,
      anchor: s.kind === 'every' ? s.anchor : 0,
      cron: s.kind === 'cron' ? s.cron : '',
      tz: s.kind === 'cron' ? s.tz : '',
      catchUp: s.catchUp,
    },
    dueAt: info.dueAt,
    dueAtMs: info.dueAtMs,
    key: info.key ?? '',
    attempt: info.attempt,
    createdAt: info.createdAt,
    leaseHolder: info.lease?.holder ?? '',
    leaseUntil: info.lease?.until ?? '',
    leaseUntilMs: info.lease?.untilMs ?? 0,
    payloadBytes: info.payloadBytes,
    scheduledAt: info.scheduledAt ?? '',
    scheduledAtMs: info.scheduledAtMs ?? 0,
  };
}
