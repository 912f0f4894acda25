import {
  ApplicationNotFoundError,
  ProcessNotFoundError,
  validateName,
  type AppInfo,
  type AppRecord,
  type CodeLoadFailure,
  type ProcessRecord,
  type Registry,
} from '@praas/framework/internal';

/** An application record as clients see it, with the live hosts that cannot load its code. */
export function appInfo(record: AppRecord, codeErrors: readonly CodeLoadFailure[] = []): AppInfo {
  return {
    name: record.name,
    processClasses: [...record.processClasses],
    createdAt: record.createdAt,
    ...(record.version === undefined ? {} : { version: record.version }),
    ...(codeErrors.length === 0 ? {} : { codeErrors: [...codeErrors] }),
    ...(record.upgradeTo === undefined ? {} : { upgradeTo: record.upgradeTo }),
  };
}

/**
 * The registry look-ups every operation starts with: names checked, and an unknown application or
 * process answered as such (a deleted process's record counts as gone).
 */
export class RegistryLookups {
  constructor(private readonly registry: Registry) {}

  /** @throws InvalidNameError for a bad name; ApplicationNotFoundError when there is no such application. */
  async app(name: string): Promise<AppRecord> {
    validateName('application', name);
    const app = await this.registry.getApp(name);
    if (!app) throw new ApplicationNotFoundError(name);
    return app;
  }

  /** @throws ApplicationNotFoundError, ProcessNotFoundError, InvalidNameError as their names say. */
  async process(app: string, pid: string): Promise<ProcessRecord> {
    await this.app(app);
    validateName('pid', pid);
    const record = await this.registry.getProcess(app, pid);
    if (!record || record.status === 'deleted') throw new ProcessNotFoundError(app, pid);
    return record;
  }
}
