import { parseArgs } from 'node:util';
import { UsageError } from './usage-error';

/** Options a command accepts: `string` takes a value, `boolean` is a switch. */
export type OptionSpec = Record<string, 'string' | 'boolean'>;

export interface ParsedArgs {
  readonly positional: string[];
  readonly strings: ReadonlyMap<string, string>;
  readonly switches: ReadonlySet<string>;
}

/** Parses a command's arguments strictly: unknown options and missing values are usage errors. */
export function parseCommandArgs(command: string, args: string[], spec: OptionSpec): ParsedArgs {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(Object.entries(spec).map(([name, type]) => [name, { type }])),
    });
  } catch (e) {
    // node:util reports e.g. "Unknown option '--x'"; say which command and what it accepts.
    // Node's hint about '--' is for other programs' conventions; the first sentence says what went wrong.
    const problem = (e instanceof Error ? e.message : String(e)).split('. To specify')[0]!;
    const accepted = Object.entries(spec).map(([name, type]) => (type === 'string' ? `--${name} VALUE` : `--${name}`));
    throw new UsageError(`${problem}; ${command} accepts ${accepted.join(', ') || 'no options'}`);
  }
  const strings = new Map<string, string>();
  const switches = new Set<string>();
  for (const [name, value] of Object.entries(parsed.values)) {
    if (typeof value === 'string') strings.set(name, value);
    else if (value === true) switches.add(name);
  }
  return { positional: parsed.positionals, strings, switches };
}

/** Reads a positive integer option, or its default. */
export function positiveIntegerOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--${name} must be a whole number of at least 1, got '${value}'`);
  return n;
}

/** Reads a TCP port option (0 picks a free port), or its default. */
export function portOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535)
    throw new UsageError(`--${name} must be a port number (0-65535), got '${value}'`);
  return n;
}
