/*
 * The request messages of praas.proto as @grpc/proto-loader hands them over (camelCase, defaults
 * filled in, int64 as numbers, bytes as Buffers). The records the service answers with (App,
 * Process) are built from the field tables in records/record-fields.ts.
 */

export interface AppRequest {
  app: string;
}
/** `ListProcessesRequest`: the application, and the fields of PROCESS_PAGE_QUERY_FIELDS. */
export interface ListProcessesRequest {
  app: string;
  limit: number;
  cursor: string;
  status: string;
  processClass: string;
  host: string;
}
export interface ProcessRequest {
  app: string;
  pid: string;
}
export interface ListTimersRequest {
  app: string;
  pid: string;
  limit: number;
  cursor: string;
}
export interface TimerRequest {
  app: string;
  pid: string;
  id: string;
}
export interface CreateAppRequest {
  name: string;
  processClasses: string[];
}
export interface CreateProcessRequest {
  app: string;
  processClass: string;
  pid: string;
}
export interface InvokeRequest {
  app: string;
  fn: string;
  payload: Buffer;
  pid: string;
  key: string;
  timeoutMs: number;
  processClass: string;
}
export interface SendMessageRequest {
  app: string;
  pid: string;
  key: string;
  data: Buffer;
}
export interface WatchProcessesRequest {
  app: string;
  afterRevision: number;
}
export interface ProcessEventMessage {
  type: string;
  process?: Record<string, unknown>;
  revision?: number;
}

/** One chunk of a `DeployVersion` upload. */
export interface DeployVersionChunk {
  app: string;
  data: Buffer;
  /** First chunk: the upgrade policy; '' for the default. */
  upgrade: string;
  /** First chunk: the rolling wave; 0 for the default. */
  wave: number;
}
