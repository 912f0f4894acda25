import { existsSync, readFileSync, watch } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import {
  type ControlPlaneApi,
  AlreadyExistsError,
  InvalidArgumentError,
  processDefinitionOf,
  MemoryRegistry,
  validateName,
} from '@praas/framework/internal';
import { appNameFromPackage } from '../build/application-manifest';
import { resolveTypeScript, watchTsc, type TscWatch } from '../build/typescript-compiler';
import { forgetModules, loadPeer, loadProcessModule } from '../load-module';
import { UsageError } from '../usage-error';

type EmbeddedModule = typeof import('@praas/embedded');
type GatewayModule = typeof import('@praas/gateway');

/** Where `dev` serves unless told otherwise: the gateway's own defaults. */
export const DEV_DEFAULT_PORTS = { http: 8080, grpc: 50051 } as const;

export interface DevOptions {
  /** Compiled entry module (default: package.json "main" of the project). */
  module?: string;
  /** Project directory (default: the working directory): its package.json names the application. */
  project?: string;
  app?: string;
  /** Where swapped state is kept; a temporary directory (removed at the end) when absent. */
  swapDir?: string;
  /** Restart when a file next to the module changes (default: on, unless the module exports `main`). */
  watch?: boolean;
  /** REST port of the dev gateway (default 8080; 0 picks a free one). */
  port?: number;
  /** gRPC port of the dev gateway (default 50051; 0 picks a free one). */
  grpcPort?: number;
  /** Address the dev gateway listens on (default 127.0.0.1). */
  host?: string;
}

/** For tests and tools: told when a stack is up (after every restart), and a way to stop. */
export interface DevHooks {
  ready?(praas: ControlPlaneApi, app: string): void | Promise<void>;
  /** Resolves when dev should stop; SIGINT and SIGTERM stop it too. */
  stop?: Promise<void>;
}

/** Resolves at the first change in `dir` (debounced), or when `stopped` resolves: true for a change. */
function nextChange(dir: string, stopped: Promise<void>): Promise<boolean> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const watcher = watch(dir, { recursive: true }, (_event, file) => {
      if (file && String(file).includes('node_modules')) return;
      clearTimeout(timer);
      timer = setTimeout(() => finish(true), 150);
    });
    const finish = (changed: boolean): void => {
      clearTimeout(timer);
      watcher.close();
      resolve(changed);
    };
    void stopped.then(() => finish(false));
  });
}

/** The project's package.json (name and main), or nothing when it has none. */
export function readPackage(projectDir: string): { name?: string; main?: string } {
  const path = join(projectDir, 'package.json');
  if (!existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { name?: string; main?: string };
  } catch (cause) {
    throw new InvalidArgumentError(`${path} is not valid JSON: ${String(cause)}`, { cause });
  }
}

/**
 * `praas-framework dev [module]`: the embedded stack with the module's process classes, served by a
 * gateway (REST and gRPC) on the ports it prints. The application is named after package.json.
 * Without a module it runs the project's package.json "main" and, when the project has a
 * tsconfig.json, keeps `tsc --watch` running so that every change of the sources is recompiled;
 * on every change next to the compiled module, each process is swapped out, the code reloaded, and
 * the stack started again on the same registry and swap directory: the next invocation swaps each
 * process back in with its state and the new code. When the module exports `main(praas, app)`, dev
 * runs it and stops instead. Ctrl+C (SIGINT) or SIGTERM stops it cleanly.
 */
export async function dev(options: DevOptions, out: (line: string) => void, hooks: DevHooks = {}): Promise<void> {
  const projectDir = resolve(options.project ?? '.');
  const pkg = readPackage(projectDir);
  const modulePath = options.module ?? pkg.main;
  if (modulePath === undefined) {
    throw new UsageError(
      `dev needs the path of a compiled module (praas-framework dev dist/index.js), or a project whose package.json sets "main" (looked in ${projectDir})`,
    );
  }
  const module = resolve(projectDir, modulePath);
  const { createEmbedded } = loadPeer<EmbeddedModule>('@praas/embedded');
  let stopRequested: () => void = () => undefined;
  const signalled = new Promise<void>((resolve) => (stopRequested = resolve));
  const onSignal = (): void => {
    out('stopping: swapping every process out');
    stopRequested();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const stopped = hooks.stop ? Promise.race([hooks.stop, signalled]) : signalled;
  const swapDir = options.swapDir ?? (await mkdtemp(join(tmpdir(), 'praas-dev-')));
  const registry = new MemoryRegistry();
  let compiler: TscWatch | undefined;
  const ports = { http: options.port ?? DEV_DEFAULT_PORTS.http, grpc: options.grpcPort ?? DEV_DEFAULT_PORTS.grpc };
  try {
    const tsconfig = join(projectDir, 'tsconfig.json');
    // On the project (no module named), dev compiles it as it changes; a named module is the user's to build.
    if (options.module === undefined && options.watch !== false && existsSync(tsconfig)) {
      compiler = watchTsc(resolveTypeScript(projectDir), tsconfig, projectDir, out);
      await compiler.firstBuild;
    }
    for (let round = 0; ; round++) {
      const loaded = loadProcessModule(module);
      const app = validateName(
        'application',
        options.app ??
          (pkg.name !== undefined && pkg.name !== ''
            ? appNameFromPackage(pkg.name)
            : basename(loaded.path)
                .replace(/\.js$/, '')
                .replace(/[^A-Za-z0-9_-]/g, '-')),
      );
      const praas = await createEmbedded({ processes: loaded.processes, swapDir, registry });
      let changed = false;
      let gateway: InstanceType<GatewayModule['Gateway']> | undefined;
      try {
        await praas.createApp(app).catch((e: unknown) => {
          if (!(e instanceof AlreadyExistsError)) throw e;
        });
        if (round === 0) out(`praas dev: application '${app}' (embedded, swap store: ${praas.swapLocation})`);
        for (const p of loaded.processes) {
          const d = processDefinitionOf(p);
          const fns = [...d.functions.values()].map((f) =>
            f.trigger.kind === 'standard' ? f.name : `${f.name} [${f.trigger.kind}]`,
          );
          out(`  ${d.name}: ${fns.join(', ')}`);
        }
        const main = loaded.exports['main'];
        if (typeof main === 'function' && options.watch !== true) {
          await (main as (praas: ControlPlaneApi, app: string) => Promise<void>)(praas, app);
          return;
        }
        const { Gateway } = loadPeer<GatewayModule>('@praas/gateway');
        gateway = new Gateway({ controlPlane: praas.controlPlane, stopGraceMs: 2_000 });
        const addresses = await gateway.start({
          host: options.host ?? '127.0.0.1',
          httpPort: ports.http,
          grpcPort: ports.grpc,
        });
        // After a reload the gateway comes back on the same ports, so clients keep their URL.
        ports.http = addresses.httpPort;
        ports.grpc = addresses.grpcPort;
        if (round === 0) {
          out(`praas dev: REST on ${addresses.httpUrl} (e.g. POST ${addresses.httpUrl}/v1/apps/${app}/invoke/<fn>)`);
          out(`praas dev: gRPC on ${addresses.grpcAddress} (service praas.v1.Gateway)`);
          out('praas dev: open access, no authentication (a development stack)');
          out(`praas dev: dashboard at ${addresses.httpUrl}/ui`);
        }
        await hooks.ready?.(praas, app);
        if (options.watch === false) {
          out('running; press Ctrl+C to swap every process out and stop');
          await stopped;
          return;
        }
        out(`running; watching ${dirname(loaded.path)} for changes; press Ctrl+C to stop`);
        changed = await nextChange(dirname(loaded.path), stopped);
      } finally {
        await gateway?.stop();
        await praas.close();
      }
      if (!changed) return;
      forgetModules(dirname(loaded.path));
      out('change detected: every process was swapped out; reloading (state comes back at the next invocation)');
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await compiler?.stop();
    if (options.swapDir === undefined) await rm(swapDir, { recursive: true, force: true });
  }
}
