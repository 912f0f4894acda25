import { PraasError, type ErrorCode } from '@praas/framework/internal';

/** No route serves the request's path. */
export class RouteNotFoundError extends PraasError {
  static readonly code = 'ROUTE_NOT_FOUND' satisfies ErrorCode;
  constructor(path: string) {
    super(RouteNotFoundError.code, `no route serves '${path}'; the API lives under /v1 (see the gateway README)`, {
      details: { path },
    });
  }
}

/** The path exists but not with this method. */
export class MethodNotAllowedError extends PraasError {
  static readonly code = 'METHOD_NOT_ALLOWED' satisfies ErrorCode;
  constructor(method: string, path: string, allowed: readonly string[]) {
    super(MethodNotAllowedError.code, `${method} is not allowed on '${path}'; use ${allowed.join(' or ')}`, {
      details: { method, path, allowed: [...allowed] },
    });
  }
}

/** A request body came with a content type other than JSON. */
export class UnsupportedMediaTypeError extends PraasError {
  static readonly code = 'UNSUPPORTED_MEDIA_TYPE' satisfies ErrorCode;
  /** `expected`: the media type this route takes (default JSON). */
  constructor(contentType: string | undefined, expected = 'application/json') {
    super(
      UnsupportedMediaTypeError.code,
      `this request body must be ${expected === 'application/json' ? 'JSON' : expected} (Content-Type: ${expected}); got ${contentType ? `'${contentType}'` : 'no Content-Type'}`,
      { details: { contentType: contentType ?? null, expected } },
    );
  }
}
