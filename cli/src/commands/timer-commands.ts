import { validateName, type TimerDetails, type TimerListQuery } from '@praas/framework/internal';
import type { ParsedArgs } from '../args';
import { formatTable } from '../output/table';
import { UsageError } from '../usage-error';
import { CLIENT_OPTIONS, type GatewayClient } from './client-commands';

type Out = (line: string) => void;

/** Options of `timers`: a page (`--limit`, `--cursor`) or `--all` pages. */
export const TIMERS_OPTIONS = { ...CLIENT_OPTIONS, limit: 'string', cursor: 'string', all: 'boolean' } as const;

function nameArgument(kind: 'application' | 'pid' | 'timer id', value: string): string {
  try {
    return validateName(kind, value);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

/** How a schedule reads in the table: `at 2026-01-01T03:00:00.000Z`, `every 300000 ms`, `cron 0 3 * * * Europe/Berlin`. */
function scheduleText(t: TimerDetails): string {
  const s = t.schedule;
  const skip = s.catchUp === 'skip' ? ' (skip missed)' : '';
  if (s.kind === 'at') return `at ${new Date(s.at).toISOString()}${skip}`;
  if (s.kind === 'every') return `every ${s.everyMs} ms${skip}`;
  return `cron ${s.cron} ${s.tz}${skip}`;
}

/** The rows `timers` prints, one per timer, the next due first. */
export function timerTable(timers: readonly TimerDetails[], now: number = Date.now()): string[] {
  return formatTable(
    ['PID', 'ID', 'FN', 'NEXT DUE', 'IN', 'SCHEDULE', 'ATTEMPT', 'LEASE', 'PAYLOAD'],
    [...timers]
      .sort((a, b) => a.dueAtMs - b.dueAtMs || (a.pid < b.pid ? -1 : a.pid > b.pid ? 1 : 0))
      .map((t) => [
        t.pid,
        t.id,
        t.fn,
        t.dueAt,
        relative(t.dueAtMs - now),
        scheduleText(t),
        t.scheduledAt === undefined ? String(t.attempt) : `${t.attempt} (retry of ${t.scheduledAt})`,
        t.lease === undefined ? '-' : `${t.lease.holder} until ${t.lease.until}`,
        `${t.payloadBytes} B`,
      ]),
  );
}

/** A duration from now, coarse: `in 5m`, `3s ago`. */
function relative(ms: number): string {
  const abs = Math.abs(ms);
  const text =
    abs < 1_000
      ? `${abs}ms`
      : abs < 60_000
        ? `${Math.round(abs / 1_000)}s`
        : abs < 3_600_000
          ? `${Math.round(abs / 60_000)}m`
          : abs < 86_400_000
            ? `${Math.round(abs / 3_600_000)}h`
            : `${Math.round(abs / 86_400_000)}d`;
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}

function timersQuery(args: ParsedArgs): TimerListQuery {
  const limit = args.strings.get('limit');
  if (limit !== undefined && !/^\d+$/.test(limit))
    throw new UsageError(`timers: --limit must be a number from 1 to 1000, got '${limit}'`);
  const cursor = args.strings.get('cursor');
  return {
    ...(limit === undefined ? {} : { limit: Number(limit) }),
    ...(cursor === undefined ? {} : { cursor }),
  };
}

/**
 * `praas-framework timers <app> [pid]`: one page of the application's durable timers (or one
 * process's) as a table, the next due first (`--limit`, default 100; the last line says how to get
 * the next page, `--cursor <c>`), or `--all` pages. With --json: every timer as a JSON array, or,
 * with `--limit` or `--cursor`, the page as `{ timers, cursor }`.
 * `praas-framework timers cancel <app> <pid> <id>`: cancels one timer.
 */
export async function timersCommand(args: ParsedArgs, client: GatewayClient, out: Out): Promise<void> {
  const { positional } = args;
  if (positional[0] === 'cancel' && positional.length === 4) return cancelTimer(args, client, out);
  if (positional.length < 1 || positional.length > 2)
    throw new UsageError(
      'timers takes <app> [pid], e.g. praas-framework timers my-app counter-1, or cancel <app> <pid> <id>',
    );
  const app = nameArgument('application', positional[0]!);
  const pid = positional[1] === undefined ? undefined : nameArgument('pid', positional[1]);
  const query = timersQuery(args);
  const paged = args.strings.has('limit') || args.strings.has('cursor');
  const asJson = args.switches.has('json');
  const all = args.switches.has('all') || (asJson && !paged);
  const timers: TimerDetails[] = [];
  let cursor = query.cursor;
  do {
    const page = await client.listTimers(app, {
      ...query,
      ...(cursor === undefined ? {} : { cursor }),
      ...(pid === undefined ? {} : { pid }),
    });
    timers.push(...page.timers);
    cursor = page.cursor;
  } while (all && cursor !== undefined);
  if (asJson) {
    out(JSON.stringify(paged ? { timers, ...(cursor === undefined ? {} : { cursor }) } : timers));
    return;
  }
  const owner = pid === undefined ? `application '${app}'` : `process ${pid} of '${app}'`;
  if (timers.length === 0) out(cursor === undefined ? `${owner} has no timers` : '(none on this page)');
  else timerTable(timers).forEach((line) => out(line));
  if (cursor !== undefined)
    out(`more: praas-framework timers ${app}${pid === undefined ? '' : ` ${pid}`} --cursor ${cursor}`);
}

async function cancelTimer(args: ParsedArgs, client: GatewayClient, out: Out): Promise<void> {
  const [, app, pid, id] = args.positional as [string, string, string, string];
  for (const o of ['limit', 'cursor']) if (args.strings.has(o)) throw new UsageError(`timers cancel takes no --${o}`);
  if (args.switches.has('all')) throw new UsageError('timers cancel takes no --all');
  await client.cancelTimer(nameArgument('application', app), nameArgument('pid', pid), nameArgument('timer id', id));
  if (args.switches.has('json')) out(JSON.stringify({ app, pid, id, cancelled: true }));
  else out(`cancelled timer ${id} of process ${pid} of '${app}'`);
}
