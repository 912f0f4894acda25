import { ProcessNotFoundError, validateName, type ProcessInspection, type Registry } from '@praas/framework/internal';
import { decodeSnapshot } from '../state/snapshot';
import { inspectSnapshot } from '../state/snapshot-inspection';
import type { SnapshotRepository } from '../state/snapshot-repository';
import type { ProcessTable } from './process-table';

export interface ProcessInspectorOptions {
  readonly app: string;
  readonly hostId: string;
  readonly registry: Registry;
  readonly table: ProcessTable;
  readonly snapshots: SnapshotRepository;
}

/**
 * The state inspector's host side (DESIGN §8b): a process active here is read live, as a snapshot
 * would capture it; any other is read from its newest committed snapshot in the store, without
 * swapping it in (no claim, no registry write, no user code).
 */
export class ProcessInspector {
  constructor(private readonly options: ProcessInspectorOptions) {}

  /** @throws ProcessNotFoundError when the process does not exist. */
  async inspect(pid: string, maxChars?: number): Promise<ProcessInspection> {
    validateName('pid', pid);
    const { app, hostId, registry, table, snapshots } = this.options;
    const limit = maxChars === undefined ? {} : { maxChars };
    const controller = table.local(pid);
    if (controller && controller.status === 'active') {
      const { codeVersion, generation } = controller;
      const record = {
        status: 'active',
        generation,
        host: hostId,
        ...(codeVersion === undefined ? {} : { version: codeVersion }),
      } as const;
      return inspectSnapshot(
        controller.peek(),
        { app, pid, processClass: controller.definition.name },
        { record, source: 'live', ...limit },
      );
    }
    const record = await registry.getProcess(app, pid);
    if (!record || record.status === 'deleted') throw new ProcessNotFoundError(app, pid);
    const latest = await snapshots.readLatest(app, pid);
    const content = latest && decodeSnapshot(latest.bytes, `snapshot ${app}/${pid}@${latest.manifest.generation}`);
    const meta = { app, pid, processClass: record.processClass };
    // The snapshot read, not the record, says which generation is shown.
    const shown = latest ? { ...record, generation: latest.manifest.generation } : record;
    return inspectSnapshot(content, meta, { record: shown, source: latest ? 'snapshot' : 'none', ...limit });
  }
}
