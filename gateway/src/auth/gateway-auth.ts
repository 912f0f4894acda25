import { readFileSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { timingSafeEqual } from 'node:crypto';
import {
  InvalidArgumentError,
  PermissionDeniedError,
  silentLogger,
  UnauthenticatedError,
  type Logger,
} from '@praas/framework';
import type { RouteName } from '../rest/routes';
import { describeOperation, ROUTE_ACCESS } from './route-access';
import { allows, seesApp, type Grants } from './scopes';
import { parseTokenFile, tokenDigest, tokenId, type LoadedToken } from './token-file';

/** Who made a request: the id of the token it came with and what that token grants. */
export interface Principal {
  readonly id: string;
  readonly grants: Grants;
}

/** The caller of an open gateway: may do everything. */
const ANONYMOUS: Principal = { id: 'anonymous', grants: { admin: true, metrics: true, apps: new Map() } };

/** Compared against when a token names an id the file does not have, so both cases take the same work. */
const NO_DIGEST = Buffer.alloc(32);

export interface TokenFileAuthOptions {
  /** Protect `GET /metrics` too (needs the `metrics` scope or admin; default false: open, for scrapers). */
  readonly protectMetrics?: boolean;
  /** How often the file is checked for changes, so added and revoked tokens take effect without a restart (default 2 000 ms). */
  readonly reloadIntervalMs?: number;
  readonly logger?: Logger;
}

/**
 * Authentication and authorization of the gateway's REST and gRPC calls (DESIGN §8a): bearer
 * tokens checked against the SHA-256 hashes of a token file (a Kubernetes Secret is mounted as one),
 * in constant time, and each operation's {@link ROUTE_ACCESS} checked against the token's scopes.
 * `GatewayAuth.open()` lets everyone do everything: for the embedded and dev stacks.
 */
export class GatewayAuth {
  private tokens = new Map<string, LoadedToken>();
  private reloadTimer: NodeJS.Timeout | undefined;

  private constructor(
    /** False for an open gateway. */
    readonly enabled: boolean,
    private readonly protectMetrics: boolean,
    private readonly logger: Logger,
  ) {}

  /** No authentication at all: every caller may do everything. */
  static open(): GatewayAuth {
    return new GatewayAuth(false, false, silentLogger);
  }

  /** Tokens given in the program (tests, an embedding application with its own store). */
  static fromTokens(
    tokens: readonly LoadedToken[],
    options: Omit<TokenFileAuthOptions, 'reloadIntervalMs'> = {},
  ): GatewayAuth {
    const auth = new GatewayAuth(true, options.protectMetrics ?? false, options.logger ?? silentLogger);
    auth.tokens = new Map(tokens.map((t) => [t.id, t]));
    return auth;
  }

  /**
   * Tokens from a token file, read now and again whenever it changes (until {@link close}).
   * @throws InvalidArgumentError when the file cannot be read, is not a token file, or holds no token.
   */
  static fromFile(path: string, options: TokenFileAuthOptions = {}): GatewayAuth {
    const auth = new GatewayAuth(true, options.protectMetrics ?? false, options.logger ?? silentLogger);
    let seen = signature(path);
    auth.tokens = readTokens(path);
    let checking = false;
    // Polled rather than fs.watch: a Kubernetes Secret changes by swapping a symlink, which fs.watch misses.
    auth.reloadTimer = setInterval(() => {
      if (checking) return;
      checking = true;
      stat(path)
        .then((now) => {
          const current = `${now.ino}:${now.size}:${now.mtimeMs}`;
          if (current === seen) return;
          seen = current;
          // A file emptied on purpose (the last token revoked) locks everyone out; it is not kept from taking effect.
          auth.tokens = readTokens(path, true);
          if (auth.tokens.size === 0)
            auth.logger.warn('the token file holds no token now: every call is refused', { path });
          else auth.logger.info('the token file changed; tokens reloaded', { path, tokens: auth.tokens.size });
        })
        .catch((e: unknown) =>
          auth.logger.error('the changed token file cannot be used; the tokens read before stay in force', {
            path,
            err: e,
          }),
        )
        .finally(() => (checking = false));
    }, options.reloadIntervalMs ?? 2_000);
    auth.reloadTimer.unref();
    return auth;
  }

  /** How many tokens are in force. */
  get size(): number {
    return this.tokens.size;
  }

  /**
   * Checks that the caller may run `route` (on `app`, for the operations of one application) and
   * says who it is; `credential` is the `Authorization` header or gRPC `authorization` metadata.
   * @throws UnauthenticatedError (401) without a valid token; PermissionDeniedError (403) when its scopes do not cover the operation.
   */
  check(route: RouteName, credential: string | undefined, app?: string): Principal {
    const access = ROUTE_ACCESS[route];
    if (!this.enabled || access === 'open' || (access === 'metrics' && !this.protectMetrics)) return ANONYMOUS;
    const principal = this.authenticate(credential);
    const { grants } = principal;
    const deny = (needed: string): never => {
      throw PermissionDeniedError.forToken(principal.id, describeOperation(route, app), needed);
    };
    if (access === 'admin' && !grants.admin) deny("'admin'");
    if (access === 'metrics' && !grants.admin && !grants.metrics) deny("'metrics' (or 'admin')");
    if (typeof access === 'object' && (app === undefined || !allows(grants, app, access.app)))
      deny(`'app:${app ?? '<app>'}:${access.app}' (or 'admin')`);
    return principal;
  }

  /** Whether `principal` sees `app` in the list of applications. */
  sees(principal: Principal, app: string): boolean {
    return seesApp(principal.grants, app);
  }

  /** Stops watching the token file. */
  close(): void {
    clearInterval(this.reloadTimer);
    this.reloadTimer = undefined;
  }

  private authenticate(credential: string | undefined): Principal {
    if (credential === undefined || credential.trim() === '')
      throw new UnauthenticatedError(
        'this gateway needs a token: send it as `Authorization: Bearer <token>` (CLI: --token or PRAAS_TOKEN)',
      );
    const match = /^Bearer\s+(\S+)\s*$/i.exec(credential);
    if (!match) throw new UnauthenticatedError("the Authorization header must be 'Bearer <token>'");
    const token = match[1]!;
    const id = tokenId(token);
    const known = id === undefined ? undefined : this.tokens.get(id);
    // The same work whether the id is known or not; the secret is compared in constant time.
    const equal = timingSafeEqual(tokenDigest(token), known?.digest ?? NO_DIGEST);
    if (!known || !equal) throw new UnauthenticatedError('the token is not valid (unknown, revoked or mistyped)');
    return { id: known.id, grants: known.grants };
  }
}

/** What tells one version of the file from the next: taken before reading, so a change during the read is seen next time. */
function signature(path: string): string {
  try {
    const s = statSync(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    // readTokens says why the file cannot be used.
    return 'unreadable';
  }
}

function readTokens(path: string, allowEmpty = false): Map<string, LoadedToken> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InvalidArgumentError(`cannot read the token file ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const tokens = parseTokenFile(text, `the token file ${path}`);
  if (tokens.length === 0 && !allowEmpty)
    throw new InvalidArgumentError(
      `the token file ${path} holds no token; create one with: praas-framework gateway token create --file ${path} --id admin --scope admin`,
    );
  return new Map(tokens.map((t) => [t.id, t]));
}
