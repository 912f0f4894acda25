import { run } from './main';

/** What one in-process run of the CLI printed and returned. */
export interface CapturedRun {
  /** The exit code (see {@link run}). */
  readonly code: number;
  /** The lines it printed to standard output. */
  readonly out: string[];
  /** The lines it printed to standard error. */
  readonly err: string[];
}

/**
 * Runs the CLI in process with `argv` and collects the lines it prints instead of printing them.
 * @example
 * ```ts
 * const { code, out } = await runCaptured('ps', 'shop', '--gateway', url, '--json');
 * ```
 */
export async function runCaptured(...argv: string[]): Promise<CapturedRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(
    argv,
    (l) => out.push(l),
    (l) => err.push(l),
  );
  return { code, out, err };
}
