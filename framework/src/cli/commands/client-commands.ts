import type { ClientInvokeOptions, ProcessInfo } from '../../api/control-plane';
import type { PraasClient } from '../../client/praas-client';
import { validateName } from '../../wire/names';
import type { ParsedArgs } from '../args';
import { formatTable } from '../output/table';
import { UsageError } from '../usage-error';

/** What the commands need of a gateway; `PraasClient` in the CLI, a stand-in in tests. */
export type GatewayClient = Pick<
  PraasClient,
  'invoke' | 'getApp' | 'listProcesses' | 'swapProcess' | 'deleteProcess' | 'deleteApp'
>;

type Out = (line: string) => void;

/** Options every command over the gateway takes. */
export const CLIENT_OPTIONS = { gateway: 'string', json: 'boolean' } as const;

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
function nameArgument(kind: 'application' | 'pid' | 'function' | 'process class', value: string): string {
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
    ['PID', 'CLASS', 'STATUS', 'VERSION', 'GENERATION', 'HOST'],
    [...processes]
      .sort((a, b) => (a.pid < b.pid ? -1 : a.pid > b.pid ? 1 : 0))
      .map((p) => [
        p.pid,
        p.processClass,
        p.status,
        p.version === undefined ? '-' : String(p.version),
        String(p.generation),
        p.host ?? '-',
      ]),
  );
}

/**
 * `praas-framework ps <app>`: the application's processes as a table, then a line for each runtime
 * host that cannot load the application's code, with the reason; or the processes as a JSON array
 * with --json (the hosts' code errors are in `GET /v1/apps/<app>`).
 */
export async function psCommand(args: ParsedArgs, client: GatewayClient, out: Out): Promise<void> {
  const [app] = positionals(args, 'ps', ['app'], [], 'my-app');
  const processes = await client.listProcesses(nameArgument('application', app!));
  if (args.switches.has('json')) {
    out(json(processes));
    return;
  }
  if (processes.length === 0) out(`application '${app}' has no processes`);
  else processTable(processes).forEach((line) => out(line));
  for (const e of (await client.getApp(app!)).codeErrors ?? [])
    out(`host ${e.host} cannot load code version ${e.version}: ${e.message}`);
}

/** `praas-framework swap <app> <pid>`: swaps the process out now; prints where its state went. */
export async function swapCommand(args: ParsedArgs, client: GatewayClient, out: Out): Promise<void> {
  const [app, pid] = positionals(args, 'swap', ['app', 'pid'], [], 'my-app counter-1');
  const info = await client.swapProcess(nameArgument('application', app!), nameArgument('pid', pid!));
  if (args.switches.has('json')) out(json(info));
  else out(`process ${info.pid} of '${info.app}' is ${info.status} (snapshot generation ${info.generation})`);
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
