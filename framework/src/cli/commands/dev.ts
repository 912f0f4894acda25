import { watch } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, sep } from 'node:path';
import type { ControlPlaneApi } from '../../api/control-plane';
import { AlreadyExistsError } from '../../errors';
import { processDefinitionOf } from '../../metadata/process-definition';
import type { Constructor } from '../../metadata/metadata-store';
import { MemoryRegistry } from '../../registry/memory/memory-registry';
import { validateName } from '../../wire/names';
import { loadPeer, loadProcessModule } from '../load-module';

type EmbeddedStack = ControlPlaneApi & { close(): Promise<void>; swapLocation: string };

interface EmbeddedModule {
  createEmbedded(options: {
    processes: Constructor[];
    swapDir: string;
    registry: MemoryRegistry;
  }): Promise<EmbeddedStack>;
}

export interface DevOptions {
  module: string;
  app?: string;
  /** Where swapped state is kept; a temporary directory (removed at the end) when absent. */
  swapDir?: string;
  /** Restart when a file next to the module changes (default: on, unless the module exports `main`). */
  watch?: boolean;
}

/** For tests and tools: told when a stack is up (after every restart), and a way to stop. */
export interface DevHooks {
  ready?(praas: ControlPlaneApi, app: string): void | Promise<void>;
  /** Resolves when dev should stop; SIGINT and SIGTERM stop it too. */
  stop?: Promise<void>;
}

/** Drops the module and everything loaded from its directory from Node's cache, so a reload sees new code. */
function forgetModules(dir: string): void {
  const prefix = dir.endsWith(sep) ? dir : dir + sep;
  for (const key of Object.keys(require.cache))
    if (key.startsWith(prefix) && !key.includes(`${sep}node_modules${sep}`)) delete require.cache[key];
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

/**
 * `praas-framework dev <module>`: the embedded stack with the module's process classes. When the
 * module exports `main(praas, app)`, it runs it and stops. Otherwise it serves, and on every change
 * next to the module it swaps each process out, reloads the code, and starts again on the same
 * registry and swap directory: the next invocation swaps each process back in with its state and
 * the new code.
 */
export async function dev(options: DevOptions, out: (line: string) => void, hooks: DevHooks = {}): Promise<void> {
  const { createEmbedded } = loadPeer<EmbeddedModule>('@praas/embedded');
  const signalled = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const stopped = hooks.stop ? Promise.race([hooks.stop, signalled]) : signalled;
  const swapDir = options.swapDir ?? (await mkdtemp(join(tmpdir(), 'praas-dev-')));
  const registry = new MemoryRegistry();
  try {
    for (let round = 0; ; round++) {
      const loaded = loadProcessModule(options.module);
      const app = validateName(
        'application',
        options.app ??
          basename(loaded.path)
            .replace(/\.js$/, '')
            .replace(/[^A-Za-z0-9_-]/g, '-'),
      );
      const praas = await createEmbedded({ processes: loaded.processes, swapDir, registry });
      let changed = false;
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
        await hooks.ready?.(praas, app);
        if (options.watch === false) {
          out('running; press Ctrl+C to swap every process out and stop');
          await stopped;
          return;
        }
        out(`running; watching ${dirname(loaded.path)} for changes; press Ctrl+C to stop`);
        changed = await nextChange(dirname(loaded.path), stopped);
      } finally {
        await praas.close();
      }
      if (!changed) return;
      forgetModules(dirname(loaded.path));
      out('change detected: every process was swapped out; reloading (state comes back at the next invocation)');
    }
  } finally {
    if (options.swapDir === undefined) await rm(swapDir, { recursive: true, force: true });
  }
}
