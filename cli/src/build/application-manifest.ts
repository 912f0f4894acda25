import type { Trigger, ProcessDefinition } from '@praas/framework/internal';

/** Format version of `praas.manifest.json`; raised when a field changes meaning. */
export const MANIFEST_VERSION = 1;

/** One function of a process class, as `praas.manifest.json` lists it. */
export interface ManifestFunction {
  readonly name: string;
  readonly method: string;
  readonly trigger: Trigger;
  readonly exclusive: boolean;
  readonly timeoutMs: number | null;
}

/** One `@State` field; `type` is the class name of a type thunk, null for plain values. */
export interface ManifestStateField {
  readonly field: string;
  readonly type: string | null;
}

/** One `@Process` class of the application. */
export interface ManifestProcess {
  /** Process class name, as createProcess takes it. */
  readonly name: string;
  /** Name the module exports the class under. */
  readonly export: string;
  readonly maxConcurrency: number;
  readonly idleTimeoutMs: number;
  readonly checkpointEveryMs: number | null;
  /** The state version (`@Process({ version })`); absent in manifests written before it was recorded (version 1). */
  readonly stateVersion?: number;
  /** The versions the class has a `@Migrate` from, in order. */
  readonly migrations?: readonly number[];
  readonly functions: readonly ManifestFunction[];
  readonly state: readonly ManifestStateField[];
}

/**
 * `praas.manifest.json`: what an application consists of, written by `praas-framework build` for
 * deployment tools and the gateway. Optional settings are present as null, so the shape is fixed.
 */
export interface ApplicationManifest {
  readonly manifestVersion: number;
  readonly app: string;
  readonly version: string;
  /** The compiled entry module, relative to the project directory, with forward slashes. */
  readonly module: string;
  readonly frameworkVersion: string;
  readonly processes: readonly ManifestProcess[];
}

/** A process class of the loaded module with the name it is exported under. */
export interface ExportedProcess {
  readonly exportName: string;
  readonly definition: ProcessDefinition;
}

export interface ManifestInput {
  readonly app: string;
  readonly version: string;
  readonly module: string;
  readonly frameworkVersion: string;
  readonly processes: readonly ExportedProcess[];
}

/** Builds the manifest from validated process definitions. */
export function applicationManifest(input: ManifestInput): ApplicationManifest {
  return {
    manifestVersion: MANIFEST_VERSION,
    app: input.app,
    version: input.version,
    module: input.module,
    frameworkVersion: input.frameworkVersion,
    processes: input.processes.map(({ exportName, definition: d }) => ({
      name: d.name,
      export: exportName,
      maxConcurrency: d.maxConcurrency,
      idleTimeoutMs: d.idleTimeoutMs,
      checkpointEveryMs: d.checkpointEveryMs ?? null,
      stateVersion: d.version,
      migrations: d.migrations.map((m) => m.from),
      functions: [...d.functions.values()].map((f) => ({
        name: f.name,
        method: f.method,
        trigger: { ...f.trigger },
        exclusive: f.exclusive,
        timeoutMs: f.timeoutMs ?? null,
      })),
      state: d.state.map((s) => ({ field: s.field, type: s.type ? s.type.name || null : null })),
    })),
  };
}

/** Makes an npm package name (`@scope/my.app`) a valid application name (`my-app`). */
export function appNameFromPackage(packageName: string): string {
  const bare = packageName.replace(/^@[^/]+\//, '');
  const name = bare
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 128);
  return name;
}
