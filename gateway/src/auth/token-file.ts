import { createHash, randomBytes } from 'node:crypto';
import { InvalidArgumentError, isValidName } from '@praas/framework';
import { parseScopes, type Grants } from './scopes';

/**
 * One token as the token file keeps it: never the token itself, only its SHA-256. A token is 32
 * random bytes, so a fast hash is enough (there is nothing to guess from a leaked hash); a slow
 * password hash would only slow down every request.
 */
export interface TokenEntry {
  /** The token's name, also its first part: who holds it (`ci`, `shop-frontend`); unique in the file. */
  readonly id: string;
  /** Hex SHA-256 of the whole token text. */
  readonly sha256: string;
  readonly scopes: readonly string[];
  /** ISO time of creation, for whoever rotates tokens. */
  readonly createdAt?: string;
}

/** The token file: `{ "tokens": [TokenEntry] }`, JSON (a Kubernetes Secret mounted as a file holds the same). */
export interface TokenFileContent {
  readonly tokens: readonly TokenEntry[];
}

/** A parsed entry: its grants and the hash as bytes. */
export interface LoadedToken {
  readonly id: string;
  readonly digest: Buffer;
  readonly scopes: readonly string[];
  readonly grants: Grants;
}

/** Every token starts with this, then its id, a dot and the secret: `praas_ci.Qm9...`. */
export const TOKEN_PREFIX = 'praas_';

/** SHA-256 of a token's text. */
export function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** The id a token names (`praas_<id>.<secret>`), or undefined when it does not have that shape. */
export function tokenId(token: string): string | undefined {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  const dot = token.indexOf('.', TOKEN_PREFIX.length);
  if (dot < 0 || dot === token.length - 1) return undefined;
  const id = token.slice(TOKEN_PREFIX.length, dot);
  return isValidName(id) ? id : undefined;
}

/**
 * A new token for `id` with `scopes`: the text to hand to its holder (shown once) and the entry to
 * keep in the token file.
 * @throws InvalidArgumentError for an id that is not a name or a scope that is not valid.
 */
export function newToken(id: string, scopes: readonly string[]): { token: string; entry: TokenEntry } {
  if (!isValidName(id))
    throw new InvalidArgumentError(`token id ${JSON.stringify(id)} must be 1 to 128 letters, digits, '_' or '-'`, {
      id,
    });
  if (scopes.length === 0) throw new InvalidArgumentError(`token '${id}' needs at least one scope (--scope)`);
  parseScopes(scopes);
  const token = `${TOKEN_PREFIX}${id}.${randomBytes(32).toString('base64url')}`;
  return {
    token,
    entry: { id, sha256: tokenDigest(token).toString('hex'), scopes: [...scopes], createdAt: new Date().toISOString() },
  };
}

/**
 * Checks and parses a token file's text.
 * @throws InvalidArgumentError saying what is wrong and where (`source` names the file).
 */
export function parseTokenFile(text: string, source: string): LoadedToken[] {
  let content: unknown;
  try {
    content = JSON.parse(text);
  } catch (e) {
    throw new InvalidArgumentError(`${source} is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const tokens = (content as Partial<TokenFileContent> | null)?.tokens;
  if (!Array.isArray(tokens))
    throw new InvalidArgumentError(`${source} must hold { "tokens": [{ "id", "sha256", "scopes" }] }`);
  const seen = new Set<string>();
  return tokens.map((raw: unknown, i) => {
    const entry = raw as Partial<TokenEntry> | null;
    const where = `${source}, token ${i + 1}`;
    if (typeof entry?.id !== 'string' || !isValidName(entry.id))
      throw new InvalidArgumentError(`${where}: 'id' must be a name (letters, digits, '_', '-')`);
    if (seen.has(entry.id)) throw new InvalidArgumentError(`${where}: the id '${entry.id}' appears twice`);
    seen.add(entry.id);
    if (typeof entry.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(entry.sha256))
      throw new InvalidArgumentError(`${where} ('${entry.id}'): 'sha256' must be 64 lowercase hex digits`);
    if (!Array.isArray(entry.scopes) || !entry.scopes.every((s) => typeof s === 'string'))
      throw new InvalidArgumentError(`${where} ('${entry.id}'): 'scopes' must be a list of strings`);
    let grants: Grants;
    try {
      grants = parseScopes(entry.scopes);
    } catch (e) {
      throw new InvalidArgumentError(`${where} ('${entry.id}'): ${e instanceof Error ? e.message : String(e)}`);
    }
    return { id: entry.id, digest: Buffer.from(entry.sha256, 'hex'), scopes: entry.scopes, grants };
  });
}
