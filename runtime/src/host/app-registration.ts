import { newId, type AppRecord, type Logger, type Registry } from '@praas/framework/internal';

export interface AppRegistrationOptions {
  readonly app: string;
  readonly hostId: string;
  readonly registry: Registry;
  /** The classes of the host's local module. */
  readonly processClasses: readonly string[];
  /** Function names of each class, for invoke routing. */
  readonly functions: Readonly<Record<string, string[]>>;
  readonly logger: Logger;
  /** Human-readable line about what was registered (the host's `log` option). */
  readonly log?: ((line: string) => void) | undefined;
}

/**
 * A host with a local module registers its application when it starts: it creates it with the
 * module's classes and their function names (for invoke routing) when it is missing (marked `createdByHost`, so that a later `createApp` takes
 * it over rather than failing), and fills in the classes of one created without any and without
 * deployed code. An application created with classes, or deployed, is left as it is. Registry
 * writes are compare-and-set: a concurrent writer makes it look again.
 * @returns what it did: `'created'`, `'registered'` (classes filled in) or `'kept'`.
 */
export async function registerApp(options: AppRegistrationOptions): Promise<'created' | 'registered' | 'kept'> {
  const { app, hostId, registry } = options;
  const classes = [...options.processClasses].sort();
  const functions = { ...options.functions };
  for (;;) {
    const found = await registry.getAppVersioned(app);
    if (found && (found.record.processClasses.length > 0 || found.record.version !== undefined)) return 'kept';
    const record: AppRecord = found
      ? { ...found.record, processClasses: classes, functions }
      : {
          name: app,
          incarnation: newId(),
          createdAt: Date.now(),
          processClasses: classes,
          functions,
          createdByHost: hostId,
        };
    if ((await registry.updateApp(record, found?.revision ?? 0)) !== undefined) {
      options.log?.(
        `praas host ${hostId} ${found ? 'registered its classes with' : 'created'} application ${app}: ${classes.join(', ')}`,
      );
      options.logger.info(found ? 'registered its classes with the application' : 'created the application', {
        processClasses: classes,
      });
      return found ? 'registered' : 'created';
    }
  }
}
