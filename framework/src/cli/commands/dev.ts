import { basename } from 'node:path';
import type { ControlPlaneApi } from '../../api/control-plane';
import { processDefinitionOf } from '../../metadata/process-definition';
import type { Constructor } from '../../metadata/metadata-store';
import { validateName } from '../../wire/names';
import { loadPeer, loadProcessModule } from '../load-module';

interface EmbeddedModule {
  createEmbedded(options: {
    processes: Constructor[];
    swapDir?: string;
  }): Promise<ControlPlaneApi & { close(): Promise<void>; swapLocation: string }>;
}

export interface DevOptions {
  module: string;
  app?: string;
  swapDir?: string;
}

/**
 * `praas-framework dev <module>`: the embedded stack with the module's process classes. When the
 * module exports `main(praas)`, it runs it and stops; otherwise it serves until interrupted.
 */
export async function dev(options: DevOptions, out: (line: string) => void): Promise<void> {
  const loaded = loadProcessModule(options.module);
  const { createEmbedded } = loadPeer<EmbeddedModule>('@praas/embedded');
  const praas = await createEmbedded({
    processes: loaded.processes,
    ...(options.swapDir === undefined ? {} : { swapDir: options.swapDir }),
  });
  const app = validateName(
    'application',
    options.app ??
      basename(loaded.path)
        .replace(/\.js$/, '')
        .replace(/[^A-Za-z0-9_-]/g, '-'),
  );
  try {
    await praas.createApp(app);
    out(`praas dev: application '${app}' (embedded, swap store: ${praas.swapLocation})`);
    for (const p of loaded.processes) {
      const d = processDefinitionOf(p);
      out(
        `  ${d.name}: ${[...d.functions.values()].map((f) => (f.trigger.kind === 'standard' ? f.name : `${f.name} [${f.trigger.kind}]`)).join(', ')}`,
      );
    }
    const main = loaded.exports['main'];
    if (typeof main === 'function') {
      await (main as (praas: ControlPlaneApi, app: string) => Promise<void>)(praas, app);
      return;
    }
    out('running; press Ctrl+C to swap every process out and stop');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
  } finally {
    await praas.close();
  }
}
