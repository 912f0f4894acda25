import type {
  AppInfo,
  CodeLoadFailure,
  ProcessInfo,
  ProcessPageQuery,
  ProcessWatchEvent,
  HostInfo,
  UpgradeError,
  UpgradeFailure,
  UpgradeReport,
  VersionCount,
  VersionsReport,
} from '@praas/framework/internal';

/**
 * How a scalar record field travels. REST leaves an absent optional field out of the JSON; gRPC
 * (proto3, no presence) sends its default instead: `''` for a string, `0` for a number, which is
 * why an optional number must never be 0 when present (versions start at 1).
 */
export type ScalarKind = 'string' | 'strings' | 'int' | 'optional-string' | 'optional-int';

/**
 * An optional list of records: a repeated field of the proto message `message` over gRPC (empty
 * when absent), left out of REST when absent. Its own fields have a table too.
 */
export interface RecordListKind<E> {
  readonly message: string;
  readonly fields: FieldTable<E>;
}

/**
 * An optional record: a field of the proto message `message` over gRPC (absent when absent), left
 * out of REST when absent.
 */
export interface RecordKind<E> {
  readonly message: string;
  readonly fields: FieldTable<E>;
  readonly single: true;
}

/** How a record field travels: a scalar kind, or a record or list of records with their own table. */
export type FieldKind =
  | ScalarKind
  | { readonly message: string; readonly fields: Readonly<Record<string, FieldKind>>; readonly single?: true };

type RequiredKind<V> = V extends readonly (infer E)[]
  ? E extends object
    ? RecordListKind<E>
    : 'strings'
  : 'string' | 'int';
type OptionalKind<V> = V extends readonly (infer E)[]
  ? E extends object
    ? RecordListKind<E>
    : never
  : V extends object
    ? RecordKind<V>
    : 'optional-string' | 'optional-int';

/**
 * Every field of `T`, each once, with a kind that matches its optionality: a field added to
 * `AppInfo` or `ProcessInfo` without an entry here does not compile, and the proto is checked
 * against these tables by a test, so REST and gRPC cannot drift apart.
 */
export type FieldTable<T> = {
  readonly [K in keyof T]-?: undefined extends T[K] ? OptionalKind<NonNullable<T[K]>> : RequiredKind<T[K]>;
};

/** The fields of a host that cannot load the application's code, in `App.codeErrors` (gRPC message `CodeLoadFailure`). */
export const CODE_LOAD_FAILURE_FIELDS = {
  host: 'string',
  version: 'int',
  message: 'string',
} as const satisfies FieldTable<CodeLoadFailure>;

/** A process an upgrade could not move (gRPC message `UpgradeFailure`). */
export const UPGRADE_FAILURE_FIELDS = {
  pid: 'string',
  version: 'int',
  code: 'string',
  message: 'string',
} as const satisfies FieldTable<UpgradeFailure>;

/** What a deploy did to the processes, in its answer (gRPC message `UpgradeReport`). */
export const UPGRADE_REPORT_FIELDS = {
  policy: 'string',
  moved: 'int',
  failed: { message: 'UpgradeFailure', fields: UPGRADE_FAILURE_FIELDS },
  skipped: 'int',
} as const satisfies FieldTable<UpgradeReport>;

/** Why an upgrade left a process on its version (gRPC message `UpgradeError`). */
export const UPGRADE_ERROR_FIELDS = {
  version: 'int',
  code: 'string',
  message: 'string',
} as const satisfies FieldTable<UpgradeError>;

/** The fields of an application, in REST bodies and in the gRPC message `App`. */
export const APP_FIELDS = {
  name: 'string',
  processClasses: 'strings',
  createdAt: 'int',
  version: 'optional-int',
  codeErrors: { message: 'CodeLoadFailure', fields: CODE_LOAD_FAILURE_FIELDS },
  upgradeTo: 'optional-int',
  upgrade: { message: 'UpgradeReport', fields: UPGRADE_REPORT_FIELDS, single: true },
} as const satisfies FieldTable<AppInfo>;

/** The fields of a process, in REST bodies, the watch stream and the gRPC message `Process`. */
export const PROCESS_FIELDS = {
  app: 'string',
  pid: 'string',
  processClass: 'string',
  status: 'string',
  address: 'string',
  host: 'optional-string',
  generation: 'int',
  version: 'optional-int',
  stateVersion: 'optional-int',
  upgradeError: { message: 'UpgradeError', fields: UPGRADE_ERROR_FIELDS, single: true },
} as const satisfies FieldTable<ProcessInfo>;

/** Processes of one code and state version (gRPC message `VersionCount`). */
export const VERSION_COUNT_FIELDS = {
  version: 'optional-int',
  stateVersion: 'optional-int',
  processes: 'int',
  active: 'int',
} as const satisfies FieldTable<VersionCount>;

/** Which processes run which version: `GET /v1/apps/{app}/versions`, gRPC `ListVersions` (message `Versions`). */
export const VERSIONS_FIELDS = {
  app: 'string',
  newest: 'optional-int',
  upgradeTo: 'optional-int',
  counts: { message: 'VersionCount', fields: VERSION_COUNT_FIELDS },
  failed: { message: 'UpgradeFailure', fields: UPGRADE_FAILURE_FIELDS },
  failedTotal: 'int',
} as const satisfies FieldTable<VersionsReport>;

/** The fields of a runtime host, in `GET /v1/apps/{app}/hosts` and the gRPC message `Host`. */
export const HOST_FIELDS = {
  id: 'string',
  startedAt: 'int',
  heartbeatAt: 'int',
  activeProcesses: 'int',
  processClasses: 'strings',
  memoryBytes: 'optional-int',
  memoryBudgetBytes: 'optional-int',
  dataAddress: 'optional-string',
} as const satisfies FieldTable<HostInfo>;

/**
 * The filters and paging of `list processes`: gRPC fields of `ListProcessesRequest` (besides
 * `app`), REST query parameters (`processClass` is `?class=`, as in invoke). An absent one is ''
 * or 0 over gRPC.
 */
export const PROCESS_PAGE_QUERY_FIELDS = {
  limit: 'optional-int',
  cursor: 'optional-string',
  status: 'optional-string',
  processClass: 'optional-string',
  host: 'optional-string',
} as const satisfies FieldTable<ProcessPageQuery>;

/** The REST query parameter of each page query field. */
export const PROCESS_PAGE_PARAMETERS: Readonly<Record<keyof typeof PROCESS_PAGE_QUERY_FIELDS, string>> = {
  limit: 'limit',
  cursor: 'cursor',
  status: 'status',
  processClass: 'class',
  host: 'host',
};

/** A record as JSON: the table's fields, optional ones left out when absent. */
export function restRecord<T extends object>(table: FieldTable<T>, value: T): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, kind] of Object.entries(table) as [keyof T & string, FieldKind][]) {
    const v = value[field];
    if (v === undefined) continue;
    if (typeof kind === 'object')
      out[field] = kind.single
        ? restRecord<object>(kind.fields, v as object)
        : (v as readonly object[]).map((e) => restRecord<object>(kind.fields, e));
    else out[field] = kind === 'strings' ? [...(v as readonly string[])] : v;
  }
  return out;
}

/** A record as its gRPC message (camelCase, as @grpc/proto-loader takes it): every field, absent ones as the proto3 default. */
export function grpcRecord<T extends object>(table: FieldTable<T>, value: T): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, kind] of Object.entries(table) as [keyof T & string, FieldKind][]) {
    const v = value[field];
    if (typeof kind === 'object' && kind.single)
      out[field] = v === undefined ? null : grpcRecord<object>(kind.fields, v as object);
    else if (typeof kind === 'object')
      out[field] = ((v as readonly object[] | undefined) ?? []).map((e) => grpcRecord<object>(kind.fields, e));
    else if (kind === 'strings') out[field] = [...((v as readonly string[] | undefined) ?? [])];
    else if (v !== undefined) out[field] = v;
    else out[field] = kind === 'optional-string' || kind === 'string' ? '' : 0;
  }
  return out;
}

/** An application as REST answers it. */
export const appJson = (info: AppInfo): Record<string, unknown> => restRecord(APP_FIELDS, info);
/** A process as REST answers it. */
export const processJson = (info: ProcessInfo): Record<string, unknown> => restRecord(PROCESS_FIELDS, info);
/** A runtime host as REST answers it. */
export const hostJson = (info: HostInfo): Record<string, unknown> => restRecord(HOST_FIELDS, info);
/** Which processes run which version, as REST answers it. */
export const versionsJson = (report: VersionsReport): Record<string, unknown> => restRecord(VERSIONS_FIELDS, report);
/** Which processes run which version, as the gRPC message `Versions`. */
export const versionsMessage = (report: VersionsReport): Record<string, unknown> => grpcRecord(VERSIONS_FIELDS, report);
/** A runtime host as the gRPC message `Host`. */
export const hostMessage = (info: HostInfo): Record<string, unknown> => grpcRecord(HOST_FIELDS, info);
/** An application as the gRPC message `App`. */
export const appMessage = (info: AppInfo): Record<string, unknown> => grpcRecord(APP_FIELDS, info);
/** A process as the gRPC message `Process`. */
export const processMessage = (info: ProcessInfo): Record<string, unknown> => grpcRecord(PROCESS_FIELDS, info);

/** A membership change as a watch event: its type and revision, and the process as `record` gives it. */
export interface WatchEventOut {
  type: string;
  revision: number;
  process: Record<string, unknown>;
}

const watchEvent = (
  event: ProcessWatchEvent,
  record: (info: ProcessInfo) => Record<string, unknown>,
): WatchEventOut => ({
  type: event.type,
  revision: event.revision,
  process: record(event.process),
});
/** A membership change as the data of a REST watch event: `{ type, revision, process }`. */
export const watchEventJson = (event: ProcessWatchEvent): WatchEventOut => watchEvent(event, processJson);
/** A membership change as the gRPC message `ProcessEvent`. */
export const watchEventMessage = (event: ProcessWatchEvent): WatchEventOut => watchEvent(event, processMessage);
