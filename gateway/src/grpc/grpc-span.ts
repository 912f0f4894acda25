import { status, type Metadata } from '@grpc/grpc-js';
import { failSpan, SpanKind, traceContextOf, type Span, type SpanSpec } from '@praas/framework/internal';

/** Status codes that are the server's failure: the span of such a call is marked failed. */
const SERVER_FAULTS: ReadonlySet<number> = new Set([
  status.UNKNOWN,
  status.INTERNAL,
  status.UNAVAILABLE,
  status.DEADLINE_EXCEEDED,
  status.DATA_LOSS,
]);

/** The span of one gRPC call of `method`: a child of the caller's `traceparent` metadata. */
export function grpcSpanSpec(method: string, metadata: Metadata): SpanSpec {
  return {
    kind: SpanKind.SERVER,
    parent: traceContextOf(metadata.getMap()),
    attributes: { 'rpc.system': 'grpc', 'rpc.service': 'praas.v1.Gateway', 'rpc.method': method },
  };
}

/** Records a call's status on its span; a server fault marks the span failed with its error. */
export function endGrpcSpan(span: Span | undefined, code: number, error?: unknown): void {
  if (!span) return;
  span.setAttribute('rpc.grpc.status_code', code);
  if (SERVER_FAULTS.has(code)) failSpan(span, error);
}
