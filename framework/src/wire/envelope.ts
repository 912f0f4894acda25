import { Packr } from 'msgpackr';
import type { TimerFiring } from '../api/context';
import { DecodeError, EncodeError, type WireError } from '../errors';
import type { TraceCarrier } from '../tracing/tracing';

/** A named message for a process's mailbox. */
export interface MessageEnvelope {
  readonly t: 'msg';
  /** Sender-generated id; a second message with the same id is dropped. */
  readonly id: string;
  /** Sender pid, or `client:<id>` from outside the application. */
  readonly from: string;
  /** The sender's incarnation; `seq` counts per (sender incarnation, receiver). */
  readonly epoch: string;
  readonly seq: number;
  readonly key: string;
  readonly data: Uint8Array;
  /**
   * When set, the message goes to this function instead of the mailbox: it starts a call of a
   * standard function, or contributes to a multi-source or batch trigger (the key is the invocation key).
   */
  readonly fn?: string;
  /** The sender's trace context; absent when it traces nothing (no OpenTelemetry SDK registered). */
  readonly trace?: TraceCarrier;
}

/** A call of a function; answered with a ReplyEnvelope. */
export interface InvokeEnvelope {
  readonly t: 'inv';
  readonly id: string;
  readonly from: string;
  readonly fn: string;
  /** Invocation key for multi-source triggers. */
  readonly key?: string;
  readonly data: Uint8Array;
  /** Where to publish the result when the invocation is delivered from the backup queue. */
  readonly replyTo?: string;
  /** How long the caller waits for the result; a receiver may drop the reply after that. */
  readonly timeoutMs?: number;
  /** The caller's trace context; absent when it traces nothing (no OpenTelemetry SDK registered). */
  readonly trace?: TraceCarrier;
  /** Set when the invocation is a timer's firing: the callee's `ctx.timer`. */
  readonly timer?: TimerFiring;
}

export type Envelope = MessageEnvelope | InvokeEnvelope;

export type ReplyEnvelope =
  { readonly ok: true; readonly data?: Uint8Array } | { readonly ok: false; readonly error: WireError };

/** Control-plane request to a runtime host. */
/** `ping` answers with nothing: a host that answers is alive (see HostWatch). */
export type ControlOp =
  | 'create'
  | 'activate'
  | 'swap'
  | 'delete'
  | 'describe'
  | 'checkpoint'
  | 'scale-down'
  | 'ping'
  | 'inspect'
  | 'upgrade'
  | 'refresh-code';

/**
 * What a host did for one process at a `scale-down` request (its answer is a list of them): it
 * swapped it out, or tried and failed, because it was idle longer than its class's idle timeout
 * or the least recently used idle one while the host was above its memory budget.
 */
export interface ScaleDownOutcome {
  readonly pid: string;
  readonly reason: 'idle' | 'memory';
  readonly outcome: 'swapped' | 'failed';
  readonly durationMs: number;
  /** Why it failed, in wire form (e.g. PROCESS_UNAVAILABLE: it got busy in between). */
  readonly error?: WireError;
}

export interface ControlRequest {
  readonly op: ControlOp;
  readonly app: string;
  readonly pid: string;
  readonly processClass?: string;
  /**
   * `create`: the application incarnation the gateway placed the process for. A host serving
   * deployed code that has not seen it yet looks again before it creates anything, so it never
   * creates a process of a new application with the code of a deleted one of the same name.
   */
  readonly incarnation?: string;
  /**
   * `create`: the control plane generated the pid (64 random bits), so no earlier process of that
   * pid can have left snapshots behind and the host does not look for any.
   */
  readonly generated?: boolean;
  /**
   * `activate`: passed on by a host that cannot load the process's code to one that can; such a
   * request is never passed on again.
   */
  readonly forwarded?: boolean;
  /**
   * `upgrade`: the code version the process is to move to (the host loads it first when it has not
   * seen it yet); `refresh-code`: the version the host is to load.
   */
  readonly version?: number;
  /** `inspect`: longest text per value. */
  readonly maxChars?: number;
  /** The requester's trace context (a swap-in shows in the trace of the invocation that caused it). */
  readonly trace?: TraceCarrier;
}

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: true });

/** Encodes a wire structure (envelope, reply, control request). */
export function encodeWire(value: Envelope | ReplyEnvelope | ControlRequest | object): Uint8Array {
  try {
    return packr.pack(value);
  } catch (cause) {
    throw new EncodeError('wire envelope', String(cause), cause);
  }
}

function decodeObject(bytes: Uint8Array, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = packr.unpack(bytes);
  } catch (cause) {
    throw new DecodeError(what, 'not a valid msgpack document', cause);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new DecodeError(what, 'expected an object');
  return v as Record<string, unknown>;
}

function requireString(o: Record<string, unknown>, key: string, what: string): void {
  if (typeof o[key] !== 'string') throw new DecodeError(what, `field '${key}' must be a string`);
}

/** An optional trace carrier: absent (older senders, no tracing), or an object with a string `traceparent`. */
function checkTrace(o: Record<string, unknown>, what: string): void {
  const carrier = o['trace'];
  if (carrier === undefined) return;
  const fields = carrier as Record<string, unknown> | null;
  if (
    fields === null ||
    typeof fields !== 'object' ||
    typeof fields['traceparent'] !== 'string' ||
    (fields['tracestate'] !== undefined && typeof fields['tracestate'] !== 'string')
  )
    throw new DecodeError(what, "field 'trace' must be { traceparent: string, tracestate?: string }");
}

/** An optional timer firing: absent, or { id: string, attempt: number, scheduledAt: number }. */
function checkTimer(o: Record<string, unknown>): void {
  const timer = o['timer'] as Record<string, unknown> | null | undefined;
  if (timer === undefined) return;
  if (
    timer === null ||
    typeof timer !== 'object' ||
    typeof timer['id'] !== 'string' ||
    typeof timer['attempt'] !== 'number' ||
    typeof timer['scheduledAt'] !== 'number'
  )
    throw new DecodeError('invocation', "field 'timer' must be { id: string, attempt: number, scheduledAt: number }");
}

/** Decodes and checks an envelope arriving on a process subject. */
export function decodeEnvelope(bytes: Uint8Array): Envelope {
  const o = decodeObject(bytes, 'envelope');
  for (const k of ['id', 'from']) requireString(o, k, 'envelope');
  if (!(o['data'] instanceof Uint8Array)) throw new DecodeError('envelope', "field 'data' must be bytes");
  checkTrace(o, 'envelope');
  if (o['t'] === 'msg') {
    for (const k of ['epoch', 'key']) requireString(o, k, 'message');
    if (typeof o['seq'] !== 'number') throw new DecodeError('message', "field 'seq' must be a number");
    return o as unknown as MessageEnvelope;
  }
  if (o['t'] === 'inv') {
    requireString(o, 'fn', 'invocation');
    checkTimer(o);
    return o as unknown as InvokeEnvelope;
  }
  throw new DecodeError('envelope', `unknown kind ${JSON.stringify(o['t'])}`);
}

export function decodeReply(bytes: Uint8Array): ReplyEnvelope {
  const o = decodeObject(bytes, 'reply');
  if (o['ok'] === true) return o as unknown as ReplyEnvelope;
  const e = o['error'] as WireError | undefined;
  if (o['ok'] === false && e && typeof e.code === 'string' && typeof e.message === 'string')
    return o as unknown as ReplyEnvelope;
  throw new DecodeError('reply', 'expected { ok: true, data } or { ok: false, error }');
}

export function decodeControl(bytes: Uint8Array): ControlRequest {
  const o = decodeObject(bytes, 'control request');
  for (const k of ['op', 'app', 'pid']) requireString(o, k, 'control request');
  checkTrace(o, 'control request');
  return o as unknown as ControlRequest;
}

/** Decodes any wire structure without checking its shape (trusted, e.g. a host's own records). */
export function decodeWire<T>(bytes: Uint8Array, what: string): T {
  // A list is a valid wire structure too (a host's 'describe' answers with one).
  let v: unknown;
  try {
    v = packr.unpack(bytes);
  } catch (cause) {
    throw new DecodeError(what, 'not a valid msgpack document', cause);
  }
  if (v === null || typeof v !== 'object') throw new DecodeError(what, 'expected an object or a list');
  return v as T;
}
