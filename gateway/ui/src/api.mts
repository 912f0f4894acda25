const TOKEN_KEY = 'praas-token';

/** A failed API call: the gateway's `{ error: { code, message } }`, or what went wrong on the way. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The token is missing, mistyped or revoked. */
  get unauthenticated(): boolean {
    return this.status === 401;
  }
}

/**
 * The gateway's REST API as the page calls it, with the bearer token the user gave. The token is
 * kept in sessionStorage: it lives as long as the tab, and is never written anywhere else.
 */
export class Api {
  /** Told when a call was refused for want of a valid token. */
  onUnauthenticated: (() => void) | undefined;

  get token(): string | undefined {
    return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  }

  set token(token: string | undefined) {
    if (token === undefined || token === '') sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, token);
  }

  /** The request headers with the token, if there is one. */
  headers(more: Record<string, string> = {}): Record<string, string> {
    const token = this.token;
    return token === undefined ? more : { ...more, authorization: `Bearer ${token}` };
  }

  async json<T>(method: string, path: string, signal?: AbortSignal): Promise<T> {
    const response = await this.fetch(method, path, signal);
    return (await response.json()) as T;
  }

  async text(path: string, signal?: AbortSignal): Promise<string> {
    return (await this.fetch('GET', path, signal)).text();
  }

  /** A call that must succeed: anything but 2xx becomes an {@link ApiError}. */
  async fetch(
    method: string,
    path: string,
    signal?: AbortSignal,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(path, { method, headers: this.headers(headers), ...(signal ? { signal } : {}) });
    } catch (e) {
      if (signal?.aborted) throw e;
      throw new ApiError(
        0,
        'UNAVAILABLE',
        `the gateway cannot be reached (${e instanceof Error ? e.message : String(e)})`,
      );
    }
    if (response.ok) return response;
    const error = await errorOf(response);
    if (error.unauthenticated) this.onUnauthenticated?.();
    throw error;
  }
}

async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error?.code) return new ApiError(response.status, body.error.code, body.error.message ?? body.error.code);
  } catch {
    // Not the gateway's error format (a proxy's page): its status says enough.
  }
  return new ApiError(response.status, `HTTP_${response.status}`, `${response.status} ${response.statusText}`);
}

// The records the page reads are the framework's own types (type-only: nothing of it is loaded in the browser).
export type {
  AppInfo as App,
  HostInfo,
  InspectedValue,
  ProcessInfo,
  ProcessInspection as Inspection,
  TimerDetails,
  TimerDetailsPage,
} from '@praas/framework';

/** The path of an application's resource: names are percent-encoded. */
export function appPath(app: string, ...rest: string[]): string {
  return ['/v1/apps', app, ...rest].map((p, i) => (i === 0 ? p : encodeURIComponent(p))).join('/');
}
