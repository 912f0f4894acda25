/**
 * Baseline peers run in their own OS process, as runtime hosts do, so a baseline crosses the same
 * process boundary as the path it is compared with. The parent forks a peer module and talks to
 * it over the IPC channel: the peer says when it is ready (with what the parent needs, e.g. its
 * port), and exits when told to stop or when its parent goes away.
 */
import { fork, type ChildProcess } from 'node:child_process';

/** The ready message a peer sends its parent once it serves. */
interface ReadyMessage<R> {
  readonly type: 'ready';
  readonly ready: R;
}

/** A peer OS process started by {@link startPeer}. */
export interface PeerProcess<R> {
  /** What the peer reported when it was ready. */
  readonly ready: R;
  readonly child: ChildProcess;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

const isReady = <R>(message: unknown): message is ReadyMessage<R> =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'ready';

/** Options of {@link startPeer}. */
export interface StartPeerOptions {
  /** How long the peer may take to report ready (default 20 000 ms). */
  readonly timeoutMs?: number;
  /** Node.js options of the peer, instead of this process's (e.g. `--openssl-legacy-provider`). */
  readonly execArgv?: readonly string[];
}

/**
 * Forks `module` with `args` and resolves once it sent its ready message.
 * @throws Error naming the peer when it exits or stays silent for `timeoutMs`.
 */
export async function startPeer<R>(
  name: string,
  module: string,
  args: readonly string[],
  options: StartPeerOptions = {},
): Promise<PeerProcess<R>> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const child = fork(module, args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    ...(options.execArgv === undefined ? {} : { execArgv: [...options.execArgv] }),
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  const stop = async (): Promise<void> => {
    if (alive()) child.kill('SIGTERM');
    await exited;
  };
  try {
    const ready = await new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} not ready in ${timeoutMs} ms`)), timeoutMs);
      child.on('message', (message) => {
        if (!isReady<R>(message)) return;
        clearTimeout(timer);
        resolve(message.ready);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${code ?? signal}) before it was ready`));
      });
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`${name} could not be started: ${e.message}`));
      });
    });
    return { ready, child, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** What a peer's start function hands back: the ready message's content and how to stop. */
export interface PeerHandle<R> {
  readonly ready: R;
  stop(): Promise<void>;
}

/**
 * The main of a peer module: runs `start`, reports ready to the parent, and stops on SIGTERM or
 * when the parent's IPC channel closes (so a crashed benchmark leaves no peer behind).
 */
export function runPeer<R>(name: string, start: () => Promise<PeerHandle<R>>): void {
  if (!process.send) throw new Error(`${name} must be started by startPeer (it needs an IPC channel)`);
  const fail = (what: string, e: unknown): never => {
    console.error(`${name} ${what}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  };
  start().then(
    (handle) => {
      let stopping = false;
      const exit = (): void => {
        if (stopping) return;
        stopping = true;
        handle.stop().then(
          () => process.exit(0),
          (e: unknown) => fail('failed to stop', e),
        );
      };
      process.once('SIGTERM', exit);
      process.once('disconnect', exit);
      process.send!({ type: 'ready', ready: handle.ready } satisfies ReadyMessage<R>);
    },
    (e: unknown) => fail('failed to start', e),
  );
}

/**
 * Resolves or rejects with `promise`; rejects with an error naming `what` when it takes longer
 * than `ms`, so a lost message fails the benchmark instead of hanging it.
 */
export function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
