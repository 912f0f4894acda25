import type { AppInfo, ProcessInfo, ProcessWatchEvent } from '@praas/framework';

/**
 * How a record field travels. REST leaves an absent optional field out of the JSON; gRPC (proto3,
 * no presence) sends its default instead: `''` for a string, `0` for a number, which is why an
 * optional number must never be 0 when present (versions start at 1).
 */
export type FieldKind = 'string' | 'strings' | 'int' | 'optional-string' | 'optional-int';

type RequiredKind = 'string' | 'strings' | 'int';
type OptionalKind = 'optional-string' | 'optional-int';

/**
 * Every field of `T`, each once, with a kind that matches its optionality: a field added to
 * `AppInfo` or `ProcessInfo` without an entry here does not compile, and the proto is checked
 * against these tables by a test, so REST and gRPC cannot drift apart.
 */
export type FieldTable<T> = { readonly [K in keyof T]-?: undefined extends T[K] ? OptionalKind : RequiredKind };

/** The fields of an application, in REST bodies and in the gRPC message `App`. */
export const APP_FIELDS = {
  name: 'string',
  processClasses: 'strings',
  createdAt: 'int',
  version: 'optional-int',
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
} as const satisfies FieldTable<ProcessInfo>;

/** A record as JSON: the table's fields, optional ones left out when absent. */
export function restRecord<T extends object>(table: FieldTable<T>, value: T): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, kind] of Object.entries(table) as [keyof T & string, FieldKind][]) {
    const v = value[field];
    if (v === undefined) continue;
    out[field] = kind === 'strings' ? [...(v as readonly string[])] : v;
  }
  return out;
}

/** A record as its gRPC message (camelCase, as @grpc/proto-loader takes it): every field, absent ones as the proto3 default. */
export function grpcRecord<T extends object>(table: FieldTable<T>, value: T): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, kind] of Object.entries(table) as [keyof T & string, FieldKind][]) {
    const v = value[field];
    if (kind === 'strings') out[field] = [...((v as readonly string[] | undefined) ?? [])];
    else if (v !== undefined) out[field] = v;
    else out[field] = kind === 'optional-string' || kind === 'string' ? '' : 0;
  }
  return out;
}

/** An application as REST answers it. */
export const appJson = (info: AppInfo): Record<string, unknown> => restRecord(APP_FIELDS, info);
/** A process as REST answers it. */
export const processJson = (info: ProcessInfo): Record<string, unknown> => restRecord(PROCESS_FIELDS, info);
/** An application as the gRPC message `App`. */
export const appMessage = (info: AppInfo): Record<string, unknown> => grpcRecord(APP_FIELDS, info);
/** A process as the gRPC message `Process`. */
export const processMessage = (info: ProcessInfo): Record<string, unknown> => grpcRecord(PROCESS_FIELDS, info);

/** A membership change as the data of a REST watch event: `{ type, revision, process }`. */
export const watchEventJson = (
  event: ProcessWatchEvent,
): { type: string; revision: number; process: Record<string, unknown> } => ({
  type: event.type,
  revision: event.revision,
  process: processJson(event.process),
});
/** A membership change as the gRPC message `ProcessEvent`. */
export const watchEventMessage = (
  event: ProcessWatchEvent,
): { type: string; revision: number; process: Record<string, unknown> } => ({
  type: event.type,
  revision: event.revision,
  process: processMessage(event.process),
});
