import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { appDataSecret, InvalidArgumentError, isValidName } from '@praas/framework/internal';
import { newToken, parseTokenFile, type TokenEntry } from './token-file';

export const TOKEN_USAGE = `usage: praas-framework gateway token create --file FILE --id ID --scope SCOPE [--scope SCOPE ...]
       praas-framework gateway token list --file FILE
       praas-framework gateway token revoke --file FILE --id ID
       praas-framework gateway token app-secret --app NAME     (with PRAAS_DATA_SECRET set)
  create  adds a token to FILE (created if missing, readable by its owner only) and prints it once
  list    prints the ids, scopes and creation times in FILE (never the tokens: the file has only their hashes)
  revoke  removes the token ID from FILE; a running gateway stops accepting it within seconds
  app-secret  prints the data-plane secret of application NAME derived from the master PRAAS_DATA_SECRET:
          give it to that application's hosts as PRAAS_APP_SECRET (the gateway keeps the master)
A scope is 'admin' (everything), 'metrics' (GET /metrics), or 'app:<name>:<right>' with right one of
  read (the application and its processes), processes (create, swap, delete; includes read),
  invoke, send, deploy, or * (all of them).`;

interface TokenArgs {
  readonly file?: string;
  readonly id?: string;
  readonly scopes: string[];
}

function parse(argv: readonly string[]): TokenArgs {
  const out: { file?: string; id?: string; scopes: string[] } = { scopes: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    if (flag !== '--file' && flag !== '--id' && flag !== '--scope')
      throw new InvalidArgumentError(`unknown argument '${arg}'\n${TOKEN_USAGE}`);
    const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || value === '') throw new InvalidArgumentError(`${flag} needs a value`);
    if (flag === '--scope') out.scopes.push(...value.split(',').filter((s) => s !== ''));
    else out[flag === '--file' ? 'file' : 'id'] = value;
  }
  return out;
}

function appSecretCommand(argv: readonly string[], out: (line: string) => void): number {
  const app = argv[0] === '--app' ? argv[1] : argv[0]?.startsWith('--app=') ? argv[0].slice(6) : undefined;
  if (app === undefined || !isValidName(app)) throw new InvalidArgumentError('token app-secret needs --app NAME');
  const master = process.env['PRAAS_DATA_SECRET']?.trim();
  if (!master) throw new InvalidArgumentError('token app-secret needs the master secret in PRAAS_DATA_SECRET');
  out(appDataSecret(master, app));
  return 0;
}

function readEntries(file: string): TokenEntry[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  parseTokenFile(text, file);
  return (JSON.parse(text) as { tokens: TokenEntry[] }).tokens;
}

/** Replaces the file in one step, so a gateway rereading it never sees half of it. */
function writeEntries(file: string, tokens: readonly TokenEntry[]): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify({ tokens }, null, 2) + '\n', { mode: 0o600 });
  renameSync(temp, file);
}

/**
 * `praas-framework gateway token create|list|revoke|app-secret`: manages a token file (DESIGN §8a).
 * @returns the exit code: 0 done, 2 bad arguments or a file that is not a token file.
 */
export function runTokenCommand(
  argv: readonly string[],
  out: (line: string) => void,
  err: (line: string) => void,
): number {
  const [action, ...rest] = argv;
  if (action === undefined || action === '--help' || action === '-h') {
    out(TOKEN_USAGE);
    return action === undefined ? 2 : 0;
  }
  try {
    if (action === 'app-secret') return appSecretCommand(rest, out);
    const args = parse(rest);
    if (args.file === undefined) throw new InvalidArgumentError(`token ${action} needs --file FILE\n${TOKEN_USAGE}`);
    const entries = readEntries(args.file);
    switch (action) {
      case 'create': {
        if (args.id === undefined) throw new InvalidArgumentError('token create needs --id ID (who holds the token)');
        if (entries.some((e) => e.id === args.id))
          throw new InvalidArgumentError(
            `${args.file} already has a token '${args.id}'; revoke it first, or pick another id to rotate (create the new one, hand it out, then revoke the old)`,
          );
        const { token, entry } = newToken(args.id, args.scopes);
        writeEntries(args.file, [...entries, entry]);
        err(`token '${args.id}' (${args.scopes.join(', ')}) added to ${args.file}; it is shown only now:`);
        out(token);
        return 0;
      }
      case 'list':
        for (const e of entries) out(`${e.id}\t${e.scopes.join(',')}\t${e.createdAt ?? ''}`);
        return 0;
      case 'revoke': {
        if (args.id === undefined) throw new InvalidArgumentError('token revoke needs --id ID');
        const left = entries.filter((e) => e.id !== args.id);
        if (left.length === entries.length) throw new InvalidArgumentError(`${args.file} has no token '${args.id}'`);
        writeEntries(args.file, left);
        err(`token '${args.id}' removed from ${args.file}`);
        return 0;
      }
      default:
        throw new InvalidArgumentError(`unknown token command '${action}'\n${TOKEN_USAGE}`);
    }
  } catch (e) {
    err(e instanceof Error ? e.message : String(e));
    return 2;
  }
}
