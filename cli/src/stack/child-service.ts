import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';

/** How to start one service of the local stack as an OS process. */
export interface ChildServiceOptions<T> {
  /** Names the service in messages, e.g. `nats-server` or `host shop-host-1`. */
  readonly label: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** Everything the service prints goes to this file (it is the operator's log of the service). */
  readonly logFile: string;
  /** Looks at everything printed so far; anything but undefined means the service is ready. */
  readonly ready: (output: string) => T | undefined;
  readonly readyTimeoutMs: number;
}

/** A running service of the local stack. */
export interface ChildService<T> {
  readonly label: string;
  readonly pid: number;
  /** What `ready` found in the service's output. */
  readonly readyValue: T;
  /** Resolves with a description of how the service ended (exit code or signal). */
  readonly exited: Promise<string>;
  /** Whether the OS process still runs. */
  alive(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the OS process is gone. */
  stop(graceMs: number): Promise<string>;
}

/** Keeps the start of a service's output in memory for the ready check and error messages. */
const OUTPUT_LIMIT = 64 * 1024;

/**
 * Starts a service as a child OS process, writes its output to its log file, and resolves once
 * `ready` recognises its ready line.
 * @throws Error naming the service, with the end of its output, when it exits or stays silent;
 * it is killed then.
 */
export async function startChildService<T>(options: ChildServiceOptions<T>): Promise<ChildService<T>> {
  const log = createWriteStream(options.logFile, { flags: 'a' });
  // Its own process group: Ctrl+C in a terminal signals `up` alone, which then stops the services
  // in order (hosts first, while NATS and S3 are still there for their swap-outs).
  const child: ChildProcess = spawn(options.command, [...options.args], {
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const onData = (chunk: Buffer): void => {
    log.write(chunk);
    if (output.length < OUTPUT_LIMIT) output += chunk.toString();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const spawnFailed = new Promise<Error>((resolve) => child.once('error', resolve));
  const exited = new Promise<string>((resolve) =>
    child.once('close', (code, signal) => {
      log.end();
      resolve(signal === null ? `exit code ${code}` : `signal ${signal}`);
    }),
  );
  const alive = (): boolean => child.exitCode === null && child.signalCode === null && child.pid !== undefined;
  const { label, readyTimeoutMs } = options;
  let readyValue: T;
  try {
    readyValue = await new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${label} did not start within ${readyTimeoutMs} ms; its output:\n${tail(output)}`)),
        readyTimeoutMs,
      );
      const check = (): void => {
        const value = options.ready(output);
        if (value === undefined) return;
        clearTimeout(timer);
        resolve(value);
      };
      child.stdout?.on('data', check);
      child.stderr?.on('data', check);
      void spawnFailed.then((e) => {
        clearTimeout(timer);
        reject(new Error(`cannot start ${label} (${options.command}): ${e.message}`));
      });
      void exited.then((how) => {
        clearTimeout(timer);
        reject(new Error(`${label} ended (${how}) before it was ready; its output:\n${tail(output)}`));
      });
    });
  } catch (e) {
    if (alive()) child.kill('SIGKILL');
    if (child.pid !== undefined) await exited;
    throw e;
  }
  return {
    label,
    pid: child.pid!,
    readyValue,
    exited,
    alive,
    stop: async (graceMs: number) => {
      if (!alive()) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

function tail(output: string): string {
  const lines = output.trimEnd().split('\n');
  return lines.slice(-20).join('\n');
}
