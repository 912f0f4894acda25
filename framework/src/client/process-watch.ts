import type { ProcessWatchEvent, ProcessWatchOptions } from '../api/control-plane';
import type { Subscription } from '../transport/transport';
import { errorFromResponse, type GatewayHttp } from './gateway-http';
import { SseParser } from './sse-parser';

/**
 * Options of {@link PraasClient.watchProcesses}: where the watch starts (a snapshot, or after the
 * `revision` of the last event seen, sent as `Last-Event-ID`), and how it ends.
 */
export interface WatchOptions extends ProcessWatchOptions {
  /** Called once when the watch ends other than by `unsubscribe` (the gateway stopped, the connection broke). */
  readonly onEnd?: (error?: Error) => void;
}

/**
 * Opens the gateway's event stream of `app`'s processes and feeds its events to `listener` until
 * the returned subscription is ended; see {@link PraasClient.watchProcesses}.
 */
export async function watchProcessEvents(
  http: GatewayHttp,
  app: string,
  listener: (event: ProcessWatchEvent) => void,
  options: WatchOptions,
): Promise<Subscription> {
  const url = http.url(['v1', 'apps', app, 'watch']);
  const controller = new AbortController();
  let response: Response;
  try {
    const resume: Record<string, string> = options.afterRevision
      ? { 'last-event-id': String(options.afterRevision) }
      : {};
    response = await http.fetch(url, {
      headers: { accept: 'text/event-stream', ...resume, ...http.headers },
      signal: controller.signal,
    });
  } catch (e) {
    throw http.unreachable(url, e);
  }
  if (!response.ok || !response.body) throw errorFromResponse(response.status, await response.text());
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser(({ event, data }) => {
    if (event === 'put' || event === 'deleted') listener(JSON.parse(data) as ProcessWatchEvent);
    else if (event === 'snapshot') options.onSnapshot?.();
    else if (event === 'synced') options.onSynced?.();
  });
  let stopped = false;
  const pump = (async (): Promise<void> => {
    let failure: Error | undefined;
    try {
      for (;;) {
        const chunk = (await reader.read()) as { done: boolean; value?: Uint8Array };
        if (chunk.done) break;
        parser.feed(decoder.decode(chunk.value, { stream: true }));
      }
    } catch (e) {
      failure = e instanceof Error ? e : new Error(String(e));
    }
    if (!stopped) options.onEnd?.(failure);
  })();
  return {
    unsubscribe: async () => {
      stopped = true;
      controller.abort();
      await pump;
    },
  };
}
