import { spawn, type ChildProcess } from 'node:child_process';

/** Options of {@link spawnNodeMain}. */
export interface SpawnNodeMainOptions<T> {
  /** The compiled entry point to run with this Node.js. */
  readonly main: string;
  /** Arguments after the entry point (default none), e.g. the command of the CLI. */
  readonly args?: readonly string[];
  /** The child's whole environment. */
  readonly env: NodeJS.ProcessEnv;
  /** Names the child in errors, e.g. `gateway` or `host h1`. */
  readonly label: string;
  /** How many characters of output to keep for {@link NodeChild.output} and errors. */
  readonly logLimit: number;
  /** How long to wait for `ready` to see the child's ready line. */
  readonly readyTimeoutMs: number;
  /** Looks at everything the child printed so far; anything but undefined means ready. */
  readonly ready: (log: string) => T | undefined;
  /** Words of the errors: `<label> not <notReady> in N ms`, `<label> exited before <notReady>`. */
  readonly notReady: string;
}

/** What a test can do with a service running as its own OS process. */
export interface ChildControls {
  readonly pid: number;
  /** Whether the OS process is still running. */
  alive(): boolean;
  /** Everything the child printed so far (stdout and stderr, up to the limit). */
  output(): string;
  /** SIGTERM unless it already exited; resolves with its exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL unless it already exited; resolves once it did. */
  kill(): Promise<void>;
}

/** A Node.js OS process started by {@link spawnNodeMain}, ready. */
export interface NodeChild<T> extends ChildControls {
  /** What `ready` returned for the child's ready line. */
  readonly readyValue: T;
}

/**
 * Runs a Node.js entry point as its own OS process (with source maps), keeps its output, and
 * resolves once `ready` finds its ready line in it.
 * @throws Error with the child's output when it exits or stays silent; the child is killed then.
 */
export async function spawnNodeMain<T>(options: SpawnNodeMainOptions<T>): Promise<NodeChild<T>> {
  const child: ChildProcess = spawn(process.execPath, ['--enable-source-maps', options.main, ...(options.args ?? [])], {
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const append = (chunk: Buffer): void => {
    if (log.length < options.logLimit) log += chunk.toString();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const { label, notReady, readyTimeoutMs } = options;
  let readyValue: T;
  try {
    readyValue = await new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${label} not ${notReady} in ${readyTimeoutMs} ms:\n${log}`)),
        readyTimeoutMs,
      );
      const check = (): void => {
        const value = options.ready(log);
        if (value !== undefined) {
          clearTimeout(timer);
          resolve(value);
        }
      };
      child.stdout?.on('data', check);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${label} exited (${code}) before it was ${notReady}:\n${log}`));
      });
    });
  } catch (e) {
    child.kill('SIGKILL');
    await exited;
    throw e;
  }
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    pid: child.pid ?? -1,
    readyValue,
    alive,
    output: () => log,
    stop: async () => {
      if (alive()) child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
  };
}
