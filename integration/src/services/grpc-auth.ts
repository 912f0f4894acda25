import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';

/** A client interceptor that sends `authorization` (e.g. `Bearer <token>`) with every call. */
export function bearerInterceptor(authorization: string): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start: (metadata, listener, next) => {
        metadata.set('authorization', authorization);
        next(metadata, listener);
      },
    });
}
