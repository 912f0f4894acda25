import {
  PraasError,
  ProcessClassNotFoundError,
  type ErrorCode,
  type Logger,
  type ProcessDefinition,
  type ProcessRecord,
  type UpgradeError,
} from '@praas/framework/internal';
import type { ProcessController } from '../process/process-controller';
import type { CodeVersions, ProcessCode } from './code-versions';

/** Why new code may refuse a process for good (until another deploy): it stays on its own version then. */
const UPGRADE_REFUSALS: ReadonlySet<string> = new Set([
  'MIGRATION_FAILED',
  'STATE_VERSION_TOO_NEW',
  'CODE_LOAD_FAILED',
  'PROCESS_CLASS_NOT_FOUND',
  'DECODE_FAILED',
] satisfies ErrorCode[]);

/** What {@link startUpgraded} needs: the process's record before its claim, and how to start it. */
export interface UpgradeStep {
  readonly app: string;
  readonly code: Pick<CodeVersions, 'upgradeTarget' | 'definitionsAt' | 'codeOf'>;
  readonly previous: ProcessRecord;
  /** Starts the process's controller with these classes and code fields, from its newest snapshot. */
  readonly start: (definition: ProcessDefinition, code: ProcessCode) => Promise<ProcessController>;
  readonly logger?: Logger | undefined;
}

/**
 * Upgrades (DESIGN §6): starts a swapping-in process on the newer code version its application
 * moves processes to, migrating its state. Nothing to do (`{}`) when there is no such version for
 * it. When that fails for a reason that will not pass by itself (a migration threw, the snapshot is
 * newer than that code, the code does not load or lacks the class), nothing was restored: the error
 * comes back for the record, and the caller starts the process on its own version from the same
 * snapshot. Other failures (the store did not answer) are thrown.
 */
export async function startUpgraded(
  step: UpgradeStep,
): Promise<{ controller?: ProcessController; error?: UpgradeError }> {
  const { app, code, previous, logger } = step;
  const version = code.upgradeTarget(previous);
  if (version === undefined) return {};
  try {
    const definitions = await code.definitionsAt(version);
    const definition = definitions.get(previous.processClass);
    if (!definition) throw new ProcessClassNotFoundError(app, previous.processClass, [...definitions.keys()]);
    const controller = await step.start(definition, { ...code.codeOf(previous), version });
    logger?.info('upgraded process', { pid: previous.pid, from: previous.version, to: version });
    return { controller };
  } catch (e) {
    if (!(e instanceof PraasError) || !UPGRADE_REFUSALS.has(e.code)) throw e;
    logger?.warn('process stays on its code version: the upgrade failed', {
      pid: previous.pid,
      version: previous.version,
      to: version,
      err: e,
    });
    return { error: { version, code: e.code, message: e.message } };
  }
}
