import type { Api, ProcessInfo } from './api.mjs';
import { appPath } from './api.mjs';
import { EventStreamParser } from './event-stream.mjs';

/** Where a watch stands: opening, live (snapshot or resume complete), or waiting to reconnect after a failure. */
export type WatchState = 'connecting' | 'live' | 'retrying';

export interface ProcessWatchListener {
  /** A snapshot follows: forget the processes known so far. */
  reset(): void;
  put(process: ProcessInfo): void;
  deleted(process: ProcessInfo): void;
  state(state: WatchState, detail?: string): void;
}

/**
 * The application's process membership from `GET /v1/apps/{app}/watch`, read with fetch (so the
 * bearer token goes along); when the stream breaks it reconnects with `Last-Event-ID` and gets
 * only what changed meanwhile. Runs until {@link stop}.
 */
export class ProcessWatch {
  private readonly abort = new AbortController();
  private lastId: string | undefined;

  constructor(
    private readonly api: Api,
    private readonly app: string,
    private readonly listener: ProcessWatchListener,
  ) {
    void this.run();
  }

  stop(): void {
    this.abort.abort();
  }

  private async run(): Promise<void> {
    let delayMs = 500;
    while (!this.abort.signal.aborted) {
      this.listener.state('connecting');
      try {
        await this.read();
        delayMs = 500;
      } catch (e) {
        if (this.abort.signal.aborted) return;
        this.listener.state('retrying', e instanceof Error ? e.message : String(e));
      }
      await sleep(delayMs, this.abort.signal);
      delayMs = Math.min(delayMs * 2, 10_000);
    }
  }

  private async read(): Promise<void> {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.lastId !== undefined) headers['last-event-id'] = this.lastId;
    const response = await this.api.fetch('GET', appPath(this.app, 'watch'), this.abort.signal, headers);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    const parser = new EventStreamParser();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) throw new Error('the gateway ended the stream');
      for (const event of parser.feed(value)) {
        if (event.id !== undefined) this.lastId = event.id;
        const data = JSON.parse(event.data) as { process?: ProcessInfo };
        if (event.event === 'snapshot') this.listener.reset();
        else if (event.event === 'synced') this.listener.state('live');
        else if (event.event === 'put' && data.process) this.listener.put(data.process);
        else if (event.event === 'deleted' && data.process) this.listener.deleted(data.process);
      }
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
