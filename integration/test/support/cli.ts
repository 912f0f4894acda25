import assert from 'node:assert/strict';
import { runCaptured } from 'praas-framework';

/** What one in-process run of the CLI printed and returned. */
export interface CliOutput {
  readonly code: number;
  /** Its output lines, joined with newlines. */
  readonly out: string;
  readonly err: string;
}

/** The CLI in this process, with its output and exit code. */
export async function cli(...argv: string[]): Promise<CliOutput> {
  const { code, out, err } = await runCaptured(...argv);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/**
 * Polls `probe` every `intervalMs` until it returns something other than undefined, and returns
 * that; fails naming `what` once `timeoutMs` passed.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  for (const end = Date.now() + timeoutMs; ;) {
    const value = await probe();
    if (value !== undefined) return value;
    assert.ok(Date.now() < end, `${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
