import type { IncomingMessage } from 'node:http';
import { restPageQuery } from '../records/page-query';
import { encode } from '@praas/framework/internal';
import type { GatewayOperations } from '../control/gateway-operations';
import { stringifyResult } from '../json/json-mapping';
import { appJson, hostJson, processJson, versionsJson } from '../records/record-fields';
import { restTimerQuery } from '../records/timer-fields';
import { inspectOptionsOf } from '../records/inspection-message';
import { UnsupportedMediaTypeError } from '../errors/gateway-errors';
import { isOctetStream, parseJsonBody } from './body-reader';
import { isMsgpackContentType, MSGPACK_TYPE, parseMsgpackBody, prefersMsgpack } from './content-negotiation';
import { createAppBody, createProcessBody, deployOptions, invokeOptions, sendMessageBody } from './request-bodies';
import type { RouteMatch } from './routes';

/** What a handler answers: a status, and a body (JSON unless `contentType` says otherwise) or nothing. */
export interface RestReply {
  readonly status: number;
  /** The body: text, or bytes (a msgpack result); absent for 202/204. */
  readonly body?: string | Uint8Array;
  /** Media type of the body (default JSON). */
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A request as the handlers see it: the matched route, its query, headers and the read body. */
export interface RestRequest {
  readonly match: RouteMatch;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
  /** Whether the caller may see an application in the list (default: every one). */
  readonly sees?: (app: string) => boolean;
}

const json = (status: number, value: unknown, headers?: Record<string, string>): RestReply => ({
  status,
  body: JSON.stringify(value),
  ...(headers ? { headers } : {}),
});

const location = (...segments: string[]): string => '/' + segments.map(encodeURIComponent).join('/');

/**
 * Runs the control-plane operation of a matched route (all but health, metrics, the dashboard and watch, which
 * the server answers itself) and shapes the reply: 201 with a `Location` for creations, 204 for
 * deletions and results that are `undefined`, 202 for an accepted message.
 */
export async function handleOperation(ops: GatewayOperations, request: RestRequest): Promise<RestReply> {
  const { match, query, headers, body } = request;
  const p = match.params;
  const contentType = headers['content-type'];
  switch (match.name) {
    case 'createApp': {
      const { name, processClasses } = createAppBody(parseJsonBody(body, contentType, 'create application body'));
      const app = await ops.createApp(name, processClasses ? { processClasses } : {});
      return json(201, appJson(app), { Location: location('v1', 'apps', app.name) });
    }
    case 'deployVersion': {
      if (!isOctetStream(contentType)) throw new UnsupportedMediaTypeError(contentType, 'application/octet-stream');
      const app = await ops.deployVersion(p['app']!, body, deployOptions(query));
      return json(201, appJson(app), { Location: location('v1', 'apps', app.name) });
    }
    case 'listVersions':
      return json(200, versionsJson(await ops.listVersions(p['app']!)));
    case 'listApps':
      return json(200, {
        apps: (await ops.listApps()).filter((a) => request.sees?.(a.name) ?? true).map(appJson),
      });
    case 'getApp':
      return json(200, appJson(await ops.getApp(p['app']!)));
    case 'deleteApp':
      await ops.deleteApp(p['app']!);
      return { status: 204 };
    case 'createProcess': {
      const options = createProcessBody(parseJsonBody(body, contentType, 'create process body'));
      const info = await ops.createProcess(p['app']!, options);
      return json(201, processJson(info), { Location: location('v1', 'apps', info.app, 'processes', info.pid) });
    }
    case 'listProcesses': {
      const page = await ops.listProcessPage(p['app']!, restPageQuery(query));
      return json(200, {
        processes: page.processes.map(processJson),
        ...(page.cursor === undefined ? {} : { cursor: page.cursor }),
      });
    }
    case 'getProcess':
      return json(200, processJson(await ops.getProcess(p['app']!, p['pid']!)));
    case 'deleteProcess':
      await ops.deleteProcess(p['app']!, p['pid']!);
      return { status: 204 };
    case 'swapProcess':
      return json(200, processJson(await ops.swapProcess(p['app']!, p['pid']!)));
    case 'inspectProcess':
      return json(200, await ops.inspectProcess(p['app']!, p['pid']!, inspectOptionsOf(query.get('maxChars'))));
    case 'listHosts':
      return json(200, { hosts: (await ops.listHosts(p['app']!)).map(hostJson) });
    case 'listTimers':
    case 'listProcessTimers': {
      const pid = match.name === 'listProcessTimers' ? { pid: p['pid']! } : {};
      return json(200, await ops.listTimers(p['app']!, { ...restTimerQuery(query), ...pid }));
    }
    case 'cancelTimer':
      await ops.cancelTimer(p['app']!, p['pid']!, p['id']!);
      return { status: 204 };
    case 'sendMessage': {
      const { key, data } = sendMessageBody(parseJsonBody(body, contentType, 'send message body'));
      await ops.send(p['app']!, p['pid']!, key, data);
      return { status: 202 };
    }
    case 'invoke': {
      // Content negotiation: the framework codec for clients that ask for it (PraasClient), JSON for the rest.
      const options = invokeOptions(query, headers['praas-process'], headers['idempotency-key']);
      const what = `argument of '${p['fn']}'`;
      const argument = isMsgpackContentType(contentType)
        ? parseMsgpackBody(body, what)
        : parseJsonBody(body, contentType, what);
      const result = await ops.invoke(p['app']!, p['fn']!, argument, options);
      const vary = { Vary: 'Accept' };
      if (result === undefined) return { status: 204, headers: vary };
      if (prefersMsgpack(headers.accept))
        return {
          status: 200,
          body: encode(result, `result of '${p['fn']}'`),
          contentType: MSGPACK_TYPE,
          headers: vary,
        };
      return { status: 200, body: stringifyResult(result)!, headers: vary };
    }
    case 'health':
    case 'metrics':
    case 'home':
    case 'ui':
    case 'uiAsset':
    case 'watchProcesses':
      throw new TypeError(`route '${match.name}' is served by the REST server itself`);
  }
}
