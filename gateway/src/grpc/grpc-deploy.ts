import { status, type sendUnaryData, type ServerReadableStream, type StatusObject } from '@grpc/grpc-js';
import {
  InvalidArgumentError,
  PayloadTooLargeError,
  PermissionDeniedError,
  type AppInfo,
  type DeployOptions,
  type UpgradePolicy,
} from '@praas/framework/internal';
import type { GatewayAuth } from '../auth/gateway-auth';
import { appMessage } from '../records/record-fields';
import { credentialOf } from './grpc-credentials';
import type { DeployVersionChunk } from './grpc-messages';

/** What {@link receiveDeploy} needs of the gRPC server. */
export interface DeployDeps {
  /** Bundles larger than this fail at once, without reading on. */
  readonly limitBytes: number;
  readonly auth: GatewayAuth;
  readonly deployVersion: (app: string, bundle: Buffer, options: DeployOptions) => Promise<AppInfo>;
  /** The gRPC status an error answers with. */
  readonly failure: (error: unknown) => StatusObject;
  /** Counts an answered call by its status code. */
  readonly count: (code: status) => void;
}

/**
 * `DeployVersion`: the chunks of a bundle, summed up to the bundle limit, then the same operation
 * as `PUT /v1/apps/{app}/versions`. Over the limit the call fails at once, without reading on.
 */
export function receiveDeploy(
  call: ServerReadableStream<DeployVersionChunk, unknown>,
  callback: sendUnaryData<unknown>,
  deps: DeployDeps,
): void {
  const limit = deps.limitBytes;
  const chunks: Buffer[] = [];
  let size = 0;
  let app: string | undefined;
  let options: DeployOptions = {};
  let settled = false;
  const credential = credentialOf(call.metadata);
  const fail = (error: unknown): void => {
    if (settled) return;
    settled = true;
    chunks.length = 0;
    const failure = deps.failure(error);
    deps.count(failure.code);
    callback(failure);
  };
  // Without a valid token the call fails before a byte of the bundle is kept.
  try {
    deps.auth.check('deployVersion', credential, '');
  } catch (e) {
    if (!(e instanceof PermissionDeniedError)) {
      fail(e);
      return;
    }
  }
  call.on('data', (chunk: DeployVersionChunk) => {
    if (settled) return;
    if (app === undefined) {
      app = chunk.app;
      options = {
        ...(chunk.upgrade ? { upgrade: chunk.upgrade as UpgradePolicy } : {}),
        ...(chunk.wave ? { wave: chunk.wave } : {}),
      };
      try {
        deps.auth.check('deployVersion', credential, app);
      } catch (e) {
        fail(e);
        return;
      }
    } else if (chunk.app !== '' && chunk.app !== app) {
      fail(new InvalidArgumentError(`DeployVersion: a chunk names application '${chunk.app}' after '${app}'`));
      return;
    }
    size += chunk.data.length;
    if (size > limit) fail(new PayloadTooLargeError('code bundle', size, limit));
    else chunks.push(chunk.data);
  });
  call.on('error', fail);
  call.on('end', () => {
    if (settled) return;
    try {
      deps.auth.check('deployVersion', credential, app ?? '');
    } catch (e) {
      fail(e);
      return;
    }
    deps.deployVersion(app ?? '', Buffer.concat(chunks, size), options).then((info) => {
      settled = true;
      deps.count(status.OK);
      callback(null, appMessage(info));
    }, fail);
  });
}
