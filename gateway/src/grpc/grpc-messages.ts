import type { AppInfo, ProcessInfo } from '@praas/framework';
import type { ProcessWatchEvent } from '@praas/framework';

/*
 * The messages of praas.proto as @grpc/proto-loader hands them over (camelCase, defaults filled
 * in, int64 as numbers, bytes as Buffers), and the mapping from the control plane's types.
 */

export interface AppMessage {
  name: string;
  processClasses: string[];
  createdAt: number;
}

export interface ProcessMessage {
  app: string;
  pid: string;
  processClass: string;
  status: string;
  address: string;
  host: string;
  generation: number;
}

export interface AppRequest {
  app: string;
}
export interface ProcessRequest {
  app: string;
  pid: string;
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
export interface ProcessEventMessage {
  type: string;
  process: ProcessMessage;
}

export function appMessage(info: AppInfo): AppMessage {
  return { name: info.name, processClasses: [...info.processClasses], createdAt: info.createdAt };
}

export function processMessage(info: ProcessInfo): ProcessMessage {
  return {
    app: info.app,
    pid: info.pid,
    processClass: info.processClass,
    status: info.status,
    address: info.address,
    host: info.host ?? '',
    generation: info.generation,
  };
}

export function processEventMessage(event: ProcessWatchEvent): ProcessEventMessage {
  return { type: event.type, process: processMessage(event.process) };
}
