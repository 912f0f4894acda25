import {
  context,
  INVALID_SPAN_CONTEXT,
  isSpanContextValid,
  ProxyTracerProvider,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context as TraceContext,
  type Link,
  type Span,
  type SpanOptions,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';

export { SpanKind, type Attributes, type Span, type TraceContext };

/**
 * W3C trace context as it travels in an envelope or a control request (DESIGN §8b): the
 * `traceparent` and `tracestate` values of the active span of the sender. Absent when no
 * OpenTelemetry SDK is registered (the API is a no-op then), so envelopes stay as small as before.
 */
export interface TraceCarrier {
  readonly traceparent: string;
  readonly tracestate?: string;
}

/** The SDK's tracer and the global provider it came from: one registered (or disabled) later is looked up again. */
let cached: { readonly provider: TracerProvider; readonly tracer: Tracer } | undefined;

/** The registered SDK's tracer; undefined while none is registered (the API alone is a no-op). */
function sdkTracer(): Tracer | undefined {
  const provider = trace.getTracerProvider();
  if (cached?.provider === provider) return cached.tracer;
  // The global provider is a proxy; without a delegate (no SDK) there is nothing to trace with.
  const tracer =
    provider instanceof ProxyTracerProvider
      ? provider.getDelegateTracer('praas-framework')
      : provider.getTracer('praas-framework');
  if (tracer !== undefined) cached = { provider, tracer };
  return tracer;
}

/** The span of untraced work: records nothing, carries nothing, shared. */
const NO_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * The trace context of `ctx` (default: the active one) for the wire, or undefined when there is no
 * valid span to carry: without an SDK this is one look-up, nothing is allocated.
 */
export function traceCarrier(ctx: TraceContext = context.active()): TraceCarrier | undefined {
  const spanContext = trace.getSpanContext(ctx);
  if (spanContext === undefined || !isSpanContextValid(spanContext)) return undefined;
  const fields: Record<string, string> = {};
  propagation.inject(ctx, fields);
  const traceparent = fields['traceparent'];
  if (traceparent === undefined) return undefined;
  const tracestate = fields['tracestate'];
  return tracestate === undefined || tracestate === '' ? { traceparent } : { traceparent, tracestate };
}

/** The trace context a carrier (or HTTP headers, or gRPC metadata as a map) names; the root context without one. */
export function traceContextOf(carrier: TraceCarrier | Record<string, unknown> | undefined): TraceContext {
  if (carrier === undefined) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, carrier);
}

/** Whether `ctx` holds a valid span (one of an SDK, or a remote parent). */
export function hasSpan(ctx: TraceContext): boolean {
  const spanContext = trace.getSpanContext(ctx);
  return spanContext !== undefined && isSpanContextValid(spanContext);
}

/** The active trace context. */
export function activeTraceContext(): TraceContext {
  return context.active();
}

/** What a span started with {@link startSpan} or {@link inSpan} is. */
export interface SpanSpec {
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
  /** Parent context (default: the active one). */
  readonly parent?: TraceContext;
  /** Spans this one relates to without being their child (a recv links the send of its message). */
  readonly links?: readonly TraceContext[];
  /** When the span started, when that was before it could be created (ms since epoch). */
  readonly startTime?: number;
}

/**
 * Starts a span; the caller ends it. Without an SDK nothing is allocated: the span is a shared
 * no-op one (or the parent's context, which a no-op tracer hands on as it is).
 */
export function startSpan(name: string, spec: SpanSpec = {}): Span {
  const parent = spec.parent ?? context.active();
  const tracer = sdkTracer();
  if (tracer === undefined) {
    const parentContext = trace.getSpanContext(parent);
    return parentContext !== undefined && isSpanContextValid(parentContext)
      ? trace.wrapSpanContext(parentContext)
      : NO_SPAN;
  }
  const options: SpanOptions = { kind: spec.kind ?? SpanKind.INTERNAL };
  if (spec.attributes !== undefined) options.attributes = spec.attributes;
  if (spec.startTime !== undefined) options.startTime = spec.startTime;
  if (spec.links !== undefined) {
    const links: Link[] = [];
    for (const linked of spec.links) {
      const spanContext = trace.getSpanContext(linked);
      if (spanContext !== undefined && isSpanContextValid(spanContext)) links.push({ context: spanContext });
    }
    options.links = links;
  }
  return tracer.startSpan(name, options, parent);
}

/**
 * Runs `work` in a new span, active while it runs: what `work` starts (a send, an invoke, the
 * user's own spans) is its child. A rejection marks the span failed and passes on. Without an SDK
 * the span is a no-op and no context is created.
 */
export function inSpan<T>(name: string, spec: SpanSpec, work: (span: Span) => Promise<T>): Promise<T> {
  const span = startSpan(name, spec);
  // The no-op tracer without a parent: nothing to record or to pass on, and no promise of its own.
  if (!isSpanContextValid(span.spanContext())) return work(span);
  return traced(span, spec.parent ?? context.active(), work);
}

async function traced<T>(span: Span, parent: TraceContext, work: (span: Span) => Promise<T>): Promise<T> {
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    failSpan(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Spans marked failed already: the first error (the user's own, before it is wrapped) is the one recorded. */
const failed = new WeakSet<Span>();

/**
 * Marks a span failed: status ERROR with the error's name and message, and an `exception` event
 * (with the stack: spans go to the operator's backend, never into a client's answer). A span is
 * marked once: the innermost error, the user's own, wins over what wraps it on the way out.
 */
export function failSpan(span: Span, error: unknown): void {
  if (!span.isRecording() || failed.has(span)) return;
  failed.add(span);
  if (error instanceof Error) span.recordException(error);
  else span.recordException(String(error));
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/** Marks a span failed with a status message only (an error answered in wire form, nothing thrown here). */
export function failSpanWith(span: Span, code: string, message: string): void {
  if (!span.isRecording() || failed.has(span)) return;
  failed.add(span);
  span.addEvent('exception', { 'exception.type': code, 'exception.message': message });
  span.setStatus({ code: SpanStatusCode.ERROR, message: `${code}: ${message}` });
}

/** Attribute names of praas-framework spans. */
export const TRACE_ATTRIBUTES = {
  app: 'praas.app',
  pid: 'praas.pid',
  processClass: 'praas.class',
  fn: 'praas.fn',
  key: 'praas.message.key',
  host: 'praas.host',
  generation: 'praas.generation',
} as const;

/**
 * `value` (an envelope or a control request) with the trace context of the active span, or
 * `value` itself when there is none to carry (no SDK): no copy on the untraced path.
 */
export function withTrace<T extends { readonly trace?: TraceCarrier }>(value: T, ctx?: TraceContext): T {
  const carrier = traceCarrier(ctx);
  return carrier === undefined ? value : { ...value, trace: carrier };
}

/**
 * Runs `work` with the trace context a carrier names as the active one (a control request's: the
 * swap-in it causes is a span of the requester's trace); without a carrier, `work` runs as it is.
 */
export function withTraceOf<T>(carrier: TraceCarrier | undefined, work: () => T): T {
  return carrier === undefined ? work() : context.with(traceContextOf(carrier), work);
}

/** The attributes of a span about one process: its application, pid and class. */
export function processSpanAttributes(app: string, pid: string, processClass: string): Attributes {
  return {
    [TRACE_ATTRIBUTES.app]: app,
    [TRACE_ATTRIBUTES.pid]: pid,
    [TRACE_ATTRIBUTES.processClass]: processClass,
  };
}
