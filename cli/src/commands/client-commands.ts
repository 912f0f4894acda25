import {
  type ClientInvokeOptions,
  type ProcessInfo,
  type ProcessPageQuery,
  type ProcessStatus,
  type PraasClient,
  validateName,
} from '@praas/framework/internal';
import type { ParsedArgs } from '../args';
import { formatTable } from '../output/table';
import { UsageError } from '../usage-error';

/** What the commands need of a gateway; `PraasClient` in the CLI, a stand-in in tests. */
export type GatewayClient = Pick<
  PraasClient,
  | 'invoke'
  | 'getApp'
  | 'listProcesses'
  | 'listProcessPage'
  | 'swapProcess'
  | 'deleteProcess'
  | 'deleteApp'
  | 'inspectProcess'
  | 'listTimers'
  | 'cancelTimer'
  | 'listVersions'
>;

type Out = (line: string) => void;

/** Options every command over the gateway takes. */
export const CLIENT_OPTIONS = { gateway: 'string', token: 'string', ca: 'string', json: 'boolean' } as const;

/** Options of `ps`: a page (`--limit`, `--cursor`), filters, or `--all` pages. */
export const PS_OPTIONS = {
  ...CLIENT_OPTIONS,
  limit: 'string',
  cursor: 'string',
  status: 'string',
  class: 'string',
  host: 'string',
  all: 'boolean',
} as const;

/** Options of `invoke`. */
export const INVOKE_OPTIONS = { ...CLIENT_OPTIONS, pid: 'string', class: 'string', key: 'string' } as const;

function positionals(
  args: ParsedArgs,
  command: string,
  names: string[],
  optional: string[],
  example: string,
): string[] {
  const { positional } = args;
  if (positional.length < names.length || positional.length > names.length + optional.length) {
    const shape = [...names.map((n) => `<${n}>`), ...optional.map((n) => `[${n}]`)].join(' ');
    throw new UsageError(`${command} takes ${shape}, e.g. praas-framework ${command} ${example}`);
  }
  return positional;
}

/** A name given on the command line, checked against the naming rule as a usage error. */
function nameArgument(kind: 'application' | 'pid' | 'function' | 'process class' | 'host id', value: string): string {
  try {
    return validateName(kind, value);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

function json(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/** The argument of `invoke`, as JSON; absent means no argument. */
export function parseInvokeArgument(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UsageError(
      `the argument '${text}' is not JSON; quote it for the shell, e.g. '5', '"text"' or '{"amount": 5}'`,
    );
  }
}

/**
 * `praas-framework invoke <app> <fn> [json] [--pid P | --class C] [--key K]`: calls a function
 * through the gateway (it picks or creates a process of a class that has the function, of class C
 * with --class, unless --pid names one) and prints the result: indented JSON, or one line of JSON
 * with --json.
 */
export async function invokeCommand(args: ParsedArgs, client: GatewayClient, out: Out): Promise<void> {
  const [app, fn, argument] = positionals(args, 'invoke', ['app', 'fn'], ['json'], "my-app add '5' --pid counter-1");
  nameArgument('application', app!);
  nameArgument('function', fn!);
  const data = parseInvokeArgument(argument);
  const pid = args.strings.get('pid');
  const processClass = args.strings.get('class');
  const key = args.strings.get('key');
  if (pid !== undefined && processClass !== undefined)
    throw new UsageError('invoke takes --pid or --class, not both: a pid already names the process (and its class)');
  const options: ClientInvokeOptions = {
    ...(pid === undefined ? {} : { pid: nameArgument('pid', pid) }),
    ...(processClass === undefined ? {} : { processClass: nameArgument('process class', processClass) }),
    ...(key === undefined ? {} : { key }),
  };
  const result = await client.invoke(app!, fn!, data, options);
  if (args.switches.has('json')) out(json(result));
  else out(result === undefined ? '(no result)' : JSON.stringify(result, null, 2));
}

/** The rows `ps` prints, one per process. */
export function processTable(processes: readonly ProcessInfo[]): string[] {
  return formatTable(
    ['PID', 'CLASS', 'STATUS', 'VERSION', 'STATE', 'GENERATION', 'HOST'],
    [...processes]
      .sort((a, b) => (a.pid < b.pid ? -1 : a.pid > b.pid ? 1 : 0))
      .map((p) => [
        p.pid,
        p.processClass,
        p.status,
        p.version === undefined ? '-' : String(p.version),
        p.stateVersion === undefined ? '-' : String(p.stateVersion),
        String(p.generation),
        p.host ?? '-',
      ]),
  );
}

/**
 * `praas-framework ps <app>`: one page of the application's processes as a table (`--limit`,
 * default 100; `--status`, `--class`, `--host` filter; the last line says how to get the next page,
 * `--cursor <c>`), or `--all` pages; then a line for each runtime host that cannot load the
 * application's code, with the reason. With --json: every process as a JSON array, or, with
 * `--limit` or `--cursor`, the page as `{ processes, cursor }` (the hosts' code errors are in
 * `GET /v1/apps/<app>`).
 */
export async function psCommand(args: ParsedArgs, client: GatewayClient, out: Out): Promise<void> {
  const [app] = positionals(args, 'ps', ['app'], [], 'my-app');
  const name = nameArgument('application', app!);
  const query = psQuery(args);
  const paged = args.strings.has('limit') || args.strings.has('cursor');
  const asJson = args.switches.has('json');
  const all = args.switches.has('all') || (asJson && !paged);
  const processes: ProcessInfo[] = [];
  let cursor = query.cursor;
  do {
    const page = await client.listProcessPage(name, { ...query, ...(cursor === undefined ? {} : { cursor }) });
    processes.push(...page.processes);
    cursor = page.cursor;
  } while (all && cursor !== undefined);
  if (asJson) {
    out(json(paged ? { processes, ...(cursor === undefined ? {} : { cursor }) } : processes));
    return;
  }
  if (processes.length === 0)
    out(cursor === undefined ? `application '${app}' has no processes` : '(none on this page)');
  else processTable(processes).forEach((line) => out(line));
  for (const p of processes)
    if (p.upgradeError)
      out(
        `${p.pid} stays on version ${p.version ?? '?'}: upgrade to ${p.upgradeError.version} failed: ${p.upgradeError.code}: ${p.upgradeError.message}`,
      );
  if (cursor !== undefined) out(`more: praas-framework ps ${app} --cursor ${cursor}`);
  for (const e of (await client.getApp(app!)).codeErrors ?? [])
    out(`host ${e.host} cannot load code version ${e.version}: ${e.message}`);
}

/** The page query of `ps`'s options. */
function psQuery(args: ParsedArgs): ProcessPageQuery {
  const get = (name: string): string | undefined => args.strings.get(name);
  const limit = get('limit');
  if (limit !== undefined && !/^\d+$/.test(limit))
    throw new UsageError(`ps: --limit must be a number from 1 to 1000, got '${limit}'`);
  const status = get('status');
  return {
    ...(limit === undefined ? {} : { limit: Number(limit) }),
    ...(get('cursor') === undefined ? {} : { cursor: get('cursor')! }),
    ...(status === undefined ? {} : { status: status as ProcessStatus }),
    ...(get('class') === undefined ? {} : { processClass: nameArgument('process class', get('class')!) }),
    ...(get('host') === undefined ? {} : { host: nameArgument('host id', get('host')!) }),
  };
}

/** `praas-framework swap <app> <pid>`: swaps the process out now; prints where its state went. */
export async function swapCommand(args: ParsedArgs, client: GatewayClient, out: Out): Promise<void> {
  const [app, pid] = positionals(args, 'swap', ['app', 'pid'], [], 'my-app counter-1');
  const info = await client.swapProcess(nameArgument('application', app!), nameArgument('pid', pid!));
  if (args.switches.has('json')) out(json(info));
  else out(`process ${info.pid} of '${info.app}' is ${info.status} (snapshot generation ${info.generation})`);
}

/** Options of `inspect`. */
export const INSPECT_OPTIONS = { ...CLIENT_OPTIONS, 'max-chars': 'string' } as const;

/**
 * `praas-framework inspect <app> <pid>`: the process's state as the gateway shows it (live, or from
 * its newest committed snapshot without swapping it in): identity, @State fields, keyed state,
 * mailbox depth and head, pending trigger accumulations; values cut at --max-chars (default 1024).
 */
export async function inspectCommand(args: ParsedArgs, client: GatewayClient, out: Out): Promise<void> {
  const [app, pid] = positionals(args, 'inspect', ['app', 'pid'], [], 'my-app counter-1');
  const raw = args.strings.get('max-chars');
  const maxChars = raw === undefined ? undefined : Number(raw);
  if (maxChars !== undefined && !(Number.isSafeInteger(maxChars) && maxChars > 0))
    throw new UsageError(`--max-chars must be a positive whole number, got '${raw}'`);
  const i = await client.inspectProcess(nameArgument('application', app!), nameArgument('pid', pid!), {
    ...(maxChars === undefined ? {} : { maxChars }),
  });
  if (args.switches.has('json')) {
    out(json(i));
    return;
  }
  const where =
    i.source === 'live'
      ? `live on ${i.host ?? '?'}`
      : i.source === 'snapshot'
        ? 'from its committed snapshot'
        : 'no snapshot yet';
  out(
    `process ${i.pid} of '${i.app}' (${i.processClass}): ${i.status}, generation ${i.generation}${i.version === undefined ? '' : `, code version ${i.version}`}, ${where}`,
  );
  const values = (
    title: string,
    list: readonly { name: string; preview: string; bytes: number; truncated: boolean }[],
  ): void => {
    out(`${title}:${list.length === 0 ? ' (none)' : ''}`);
    for (const v of list) out(`  ${v.name} = ${v.preview}${v.truncated ? ` … (${v.bytes} bytes)` : ''}`);
  };
  values('@State fields', i.fields);
  values('keyed state', i.keyed);
  out(`mailbox: ${i.mailbox.depth} unread`);
  for (const m of i.mailbox.head) out(`  ${m.key} from ${m.from}: ${m.preview}${m.truncated ? ' …' : ''}`);
  out(`pending trigger accumulations:${i.triggers.length === 0 ? ' (none)' : ''}`);
  for (const t of i.triggers)
    out(
      `  ${t.fn}${t.key === undefined ? '' : ` [${t.key}]`}: ${t.count} message(s) since ${new Date(t.firstAt).toISOString()}`,
    );
}

/** `praas-framework delete <app> [<pid>]`: deletes one process with its swapped state, or the whole application. */
export async function deleteCommand(args: ParsedArgs, client: GatewayClient, out: Out): Promise<void> {
  const [app, pid] = positionals(args, 'delete', ['app'], ['pid'], 'my-app counter-1');
  nameArgument('application', app!);
  if (pid === undefined) await client.deleteApp(app!);
  else await client.deleteProcess(app!, nameArgument('pid', pid));
  if (args.switches.has('json')) out(json({ app, ...(pid === undefined ? {} : { pid }), deleted: true }));
  else out(pid === undefined ? `deleted application '${app}' and its processes` : `deleted process ${pid} of '${app}'`);
}

/**
 * `praas-framework versions <app>`: how many processes run each code version with each state
 * version (all, and active), the version processes move to at their next swap-in, and the processes
 * an upgrade could not move, with the reason.
 */
export async function versionsCommand(args: ParsedArgs, client: GatewayClient, out: Out): Promise<void> {
  const [app] = positionals(args, 'versions', ['app'], [], 'my-app');
  const report = await client.listVersions(nameArgument('application', app!));
  if (args.switches.has('json')) {
    out(json(report));
    return;
  }
  out(
    `application '${report.app}': newest code version ${report.newest ?? '-'}` +
      (report.upgradeTo === undefined ? '' : `; older processes move to ${report.upgradeTo} at their next swap-in`),
  );
  if (report.counts.length === 0) out('no processes');
  else
    formatTable(
      ['VERSION', 'STATE', 'PROCESSES', 'ACTIVE'],
      report.counts.map((c) => [
        c.version === undefined ? '-' : String(c.version),
        c.stateVersion === undefined ? '-' : String(c.stateVersion),
        String(c.processes),
        String(c.active),
      ]),
    ).forEach((line) => out(line));
  if (report.failedTotal > 0) out(`${report.failedTotal} process(es) an upgrade could not move:`);
  for (const f of report.failed) out(`  ${f.pid}: version ${f.version}: ${f.code}: ${f.message}`);
  if (report.failedTotal > report.failed.length) out(`  ... and ${report.failedTotal - report.failed.length} more`);
}
