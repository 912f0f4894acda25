import {
  CodeLoadFailedError,
  functionNames,
  InvalidArgumentError,
  PraasError,
  ProcessNotFoundError,
  UnavailableError,
  type Constructor,
  type HostCodeError,
  type Logger,
  type ProcessRecord,
  type Registry,
} from '@praas/framework/internal';
import type { CodeSource } from '../code/code-source';
import { definitionsOf, firstLine, type Definitions } from './code-definitions';
import { SerialQueue } from './serial-queue';

export { definitionsOf, type Definitions } from './code-definitions';

/** The code fields of a process record: which deployed version and incarnation it runs (none for a local module). */
export interface ProcessCode {
  readonly version?: number;
  readonly incarnation?: string;
}

export interface CodeVersionsOptions {
  readonly app: string;
  readonly hostId: string;
  readonly registry: Registry;
  /** A local module's classes; or give `code`. */
  readonly processes?: readonly Constructor[] | undefined;
  /** Deployed code, read at the versions the application record names. */
  readonly code?: CodeSource | undefined;
  readonly logger: Logger;
  /** Human-readable lines about loading code (the host's `log` option). */
  readonly log?: ((line: string) => void) | undefined;
}

/** Why the newest code did not load; `retry` when the cause may pass (the object store did not answer). */
interface CodeFailure extends HostCodeError {
  readonly retry: boolean;
}

/** The version key of a local module's classes (deployed versions start at 1). */
export const LOCAL_CODE = 0;

/**
 * The code a host runs (DESIGN §7, "Upgrades"): a local module's classes, or the deployed versions
 * of the application's current incarnation, loaded side by side. New processes get the newest
 * version; a process runs the version it was created with, loaded on demand. When the application
 * record names another incarnation, or none, everything loaded of the old one is dropped. A
 * version that does not load is remembered (`codeError`) and not tried again until a newer one is
 * deployed, unless the cause may pass.
 */
export class CodeVersions {
  /** Loaded code by version (LOCAL_CODE for a local module), side by side; only of `incarnation`. */
  private versions = new Map<number, Promise<Definitions>>();
  private newestVersion = LOCAL_CODE;
  /** Process classes of the newest code version, which new processes get. */
  private definitionsNow: Definitions;
  /** With deployed code: the application incarnation whose code is loaded; undefined before the first look. */
  private currentIncarnation: string | undefined;
  /** With deployed code: why the application's newest version did not load, until one does. */
  private failure: CodeFailure | undefined;
  /** With deployed code: the version older processes move to at their next swap-in (`AppRecord.upgradeTo`). */
  private upgradeToVersion: number | undefined;
  /** Looks at the application record run one after another, each after the call that asked for it. */
  private readonly refreshes = new SerialQueue();

  constructor(private readonly options: CodeVersionsOptions) {
    if (!options.processes && !options.code)
      throw new InvalidArgumentError('a runtime host needs its process classes or a code source');
    this.definitionsNow = options.processes ? definitionsOf(options.processes) : new Map();
    if (options.processes) this.versions.set(LOCAL_CODE, Promise.resolve(this.definitionsNow));
  }

  /** Whether the host runs deployed code (rather than a local module). */
  get deployed(): boolean {
    return this.options.code !== undefined;
  }

  /** Process classes of the newest code version, by name. */
  get newest(): Definitions {
    return this.definitionsNow;
  }

  /** Names of the process classes of the newest code version. */
  get processClasses(): string[] {
    return [...this.definitionsNow.keys()];
  }

  /** Function names of each process class of the newest code version (for invoke routing). */
  get functions(): Record<string, string[]> {
    return Object.fromEntries([...this.definitionsNow].map(([name, d]) => [name, functionNames(d)]));
  }

  /** The newest deployed code version loaded; undefined for a local module. */
  get codeVersion(): number | undefined {
    return this.options.code ? this.newestVersion : undefined;
  }

  /** The application incarnation whose code is loaded (deployed code only). */
  get incarnation(): string | undefined {
    return this.currentIncarnation;
  }

  /** Why the newest deployed version does not load, while it does not. */
  get codeError(): HostCodeError | undefined {
    return this.failure && { version: this.failure.version, message: this.failure.message };
  }

  /**
   * Loads what the host starts with: nothing more for a local module; for deployed code, the
   * newest version. A newest version that does not load is not fatal (it shows in `codeError`).
   * @throws InvalidArgumentError with deployed code, when the application has no deployed version.
   */
  async start(): Promise<void> {
    if (this.options.code && (await this.refresh()) === LOCAL_CODE && !this.failure) {
      throw new InvalidArgumentError(
        `application '${this.options.app}' has no deployed code yet; deploy it with praas-framework deploy --gateway URL`,
        { app: this.options.app },
      );
    }
  }

  /**
   * With deployed code: looks at the application record and loads its newest version when it is
   * newer than the newest loaded here. Older versions stay loaded.
   * @returns the newest version loaded; undefined for a local module.
   */
  refresh(): Promise<number | undefined> {
    if (!this.options.code) return Promise.resolve(undefined);
    return this.refreshes.run(() => this.loadNewest());
  }

  private async loadNewest(): Promise<number> {
    const { app: name, hostId, logger, log } = this.options;
    const app = await this.options.registry.getApp(name);
    if (app?.incarnation !== this.currentIncarnation) await this.switchIncarnation(app?.incarnation);
    this.upgradeToVersion = app?.upgradeTo;
    if (!app || app.version === undefined || app.version <= this.newestVersion) return this.newestVersion;
    if (this.failure?.version === app.version && !this.failure.retry) return this.newestVersion;
    let definitions: Definitions;
    try {
      definitions = await this.definitionsOfVersion(app.version);
    } catch (e) {
      const retry = e instanceof PraasError && e.retryable;
      const message = firstLine(e instanceof CodeLoadFailedError ? e.details['reason'] : e);
      if (this.failure?.version !== app.version || this.failure.message !== message) {
        log?.(
          `praas host ${hostId} cannot load code version ${app.version} of ${name}: ${e instanceof Error ? e.message : String(e)}`,
        );
        // Not retried (unless it may pass): the host takes no new processes until a fixed version is deployed.
        logger.error('cannot load the newest code version', { version: app.version, retry, err: e });
      }
      this.failure = { version: app.version, message, retry };
      return this.newestVersion;
    }
    if (app.version > this.newestVersion) {
      this.newestVersion = app.version;
      this.definitionsNow = definitions;
      this.failure = undefined;
      log?.(`praas host ${hostId} loaded code version ${app.version}: ${this.processClasses.join(', ')}`);
      logger.info('loaded code version', { version: app.version, processClasses: this.processClasses });
    }
    return this.newestVersion;
  }

  /** Forgets the code of the incarnation loaded so far: the application of that name was deleted, or created anew. */
  private async switchIncarnation(next: string | undefined): Promise<void> {
    const previous = this.currentIncarnation;
    this.currentIncarnation = next;
    this.versions = new Map();
    this.newestVersion = LOCAL_CODE;
    this.definitionsNow = new Map();
    this.failure = undefined;
    if (previous !== undefined) {
      this.options.log?.(
        `praas host ${this.options.hostId} dropped the code of a deleted incarnation of ${this.options.app}`,
      );
      this.options.logger.info('dropped the code of a deleted incarnation', { incarnation: previous, next });
    }
    await this.options.code?.retain?.(next);
  }

  /**
   * The classes of one code version of the current incarnation, loaded once (concurrent callers
   * share the load; a failed load is tried again next time).
   * @throws CodeLoadFailedError when the code does not load; the store's retryable error when it did not answer.
   */
  private definitionsOfVersion(version: number): Promise<Definitions> {
    const { app, hostId, code } = this.options;
    const versions = this.versions;
    let loaded = versions.get(version);
    if (!loaded) {
      const incarnation = this.currentIncarnation;
      if (!code) return Promise.resolve(this.definitionsNow);
      if (incarnation === undefined) {
        return Promise.reject(new CodeLoadFailedError(app, version, 'the application does not exist', hostId));
      }
      loaded = code
        .load({ incarnation, version })
        .then(definitionsOf)
        .catch((e: unknown) => {
          if (e instanceof PraasError && e.retryable) throw e;
          throw new CodeLoadFailedError(app, version, firstLine(e), hostId);
        });
      versions.set(version, loaded);
      // The failure goes to the callers awaiting `loaded`; here it only unpins the version so the next call loads again.
      loaded.then(undefined, () => {
        if (versions.get(version) === loaded) versions.delete(version);
      });
    }
    return loaded;
  }

  /**
   * The classes a process runs with: those of the version it was created with, of its
   * incarnation. A record without a version (created from a local module) runs the newest code; a
   * host with a local module runs every process with it.
   * @throws ProcessNotFoundError for a record left over from a deleted incarnation of the application.
   */
  async definitionsFor(record: ProcessRecord): Promise<Definitions> {
    if (!this.options.code) return this.definitionsNow;
    if (record.incarnation !== undefined && record.incarnation !== this.currentIncarnation) {
      // This host may not have seen yet that the application was created anew: look.
      await this.refresh();
      if (record.incarnation !== this.currentIncarnation) throw new ProcessNotFoundError(this.options.app, record.pid);
    }
    if (record.version === undefined) {
      this.assertNewestLoaded();
      return this.definitionsNow;
    }
    return this.definitionsOfVersion(record.version);
  }

  /**
   * Unloads the deployed versions loaded here that no process in `inUse` runs, except the newest
   * and the one older processes move to (issue 20): they are loaded again if a process of theirs
   * swaps in later. Runs between looks at the application record.
   * @returns the versions unloaded.
   */
  unloadUnused(inUse: ReadonlySet<number>): Promise<number[]> {
    const { code } = this.options;
    if (!code) return Promise.resolve([]);
    return this.refreshes.run(async () => {
      const incarnation = this.currentIncarnation;
      const unused = [...this.versions.keys()].filter(
        (v) => v !== this.newestVersion && v !== this.upgradeToVersion && !inUse.has(v),
      );
      for (const version of unused) {
        this.versions.delete(version);
        if (incarnation !== undefined) await code.unload?.({ incarnation, version });
      }
      if (unused.length > 0)
        this.options.logger.info('unloaded code versions no process here runs', { versions: unused });
      return unused;
    });
  }

  /**
   * The code version a process swapping in moves to (DESIGN §6, "Upgrades"): the application's
   * `upgradeTo` when the process runs an older version of this incarnation, that version is loaded
   * here, and an earlier try to move the process to it did not fail (a new deploy tries again).
   */
  upgradeTarget(record: ProcessRecord): number | undefined {
    const to = this.upgradeToVersion;
    if (!this.options.code || to === undefined || record.version === undefined) return undefined;
    if (record.incarnation !== this.currentIncarnation || record.version >= to || to > this.newestVersion)
      return undefined;
    return record.upgradeError?.version === to ? undefined : to;
  }

  /**
   * The classes of one deployed version of the current incarnation, loaded once.
   * @throws CodeLoadFailedError when the code does not load.
   */
  definitionsAt(version: number): Promise<Definitions> {
    return this.definitionsOfVersion(version);
  }

  /**
   * Before an upgrade to `version` asked for by the control plane: a host that has not loaded it yet
   * looks at the application record first.
   * @throws CodeLoadFailedError when the version does not load here (or the record names no such version).
   */
  async expectVersion(version: number): Promise<void> {
    if (!this.options.code) return;
    if (this.newestVersion < version || (this.upgradeToVersion ?? 0) < version) await this.refresh();
    if (this.newestVersion >= version) return;
    const { app, hostId } = this.options;
    throw new CodeLoadFailedError(
      app,
      version,
      this.failure?.version === version ? this.failure.message : `version ${version} is not deployed`,
      hostId,
    );
  }

  /** The code fields to record for a process that runs `record`'s code (its own, or the newest when it has none). */
  codeOf(record: ProcessCode): ProcessCode {
    if (!this.options.code) return {};
    return {
      version: record.version ?? this.newestVersion,
      incarnation: record.incarnation ?? this.currentIncarnation!,
    };
  }

  /** The code fields of a new process: the newest version. */
  newestCode(): ProcessCode {
    return this.options.code ? { version: this.newestVersion, incarnation: this.currentIncarnation! } : {};
  }

  /**
   * Before a create for `incarnation` (the one the gateway meant): a host that has not seen it yet
   * looks at the application record first, so it never creates a process with the code of a deleted one.
   * @throws UnavailableError when the application changed again meanwhile.
   */
  async expectIncarnation(incarnation: string | undefined, pid: string): Promise<void> {
    if (!this.options.code || incarnation === undefined || incarnation === this.currentIncarnation) return;
    await this.refresh();
    if (incarnation !== this.currentIncarnation) {
      throw new UnavailableError(
        `application '${this.options.app}' was deleted or created anew while process '${pid}' was being created; try again`,
        { details: { app: this.options.app, pid } },
      );
    }
  }

  /**
   * With deployed code: fails unless the newest version is loaded here.
   * @throws CodeLoadFailedError when it does not load; UnavailableError when none was loaded yet.
   */
  assertNewestLoaded(): void {
    if (!this.options.code) return;
    const { app, hostId } = this.options;
    if (this.failure) throw new CodeLoadFailedError(app, this.failure.version, this.failure.message, hostId);
    if (this.newestVersion === LOCAL_CODE) {
      throw new UnavailableError(
        `host ${hostId} has no code of '${app}' yet; deploy it with praas-framework deploy --gateway URL`,
        { details: { app, host: hostId } },
      );
    }
  }
}
