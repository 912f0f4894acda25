import { writeFileSync } from 'node:fs';
import {
  ADMIN_NATS_USER,
  appNatsCredentials,
  gatewayNatsCredentials,
  natsPassword,
  renderNatsServerConfig,
  validateName,
  type NatsCredentials,
} from '@praas/framework/internal';
import { parseCommandArgs, portOption } from '../args';
import { NATS_CONFIG_OPTIONS, NATS_CREDENTIALS_OPTIONS } from '../help';
import { UsageError } from '../usage-error';

/** The master secret every NATS password is derived from. */
function masterSecret(env: NodeJS.ProcessEnv): string {
  const secret = env['PRAAS_NATS_SECRET'];
  if (!secret)
    throw new UsageError(
      'set PRAAS_NATS_SECRET to the master secret the NATS passwords are derived from (at least 16 characters, e.g. openssl rand -base64 32)',
    );
  return secret;
}

/** `--apps a,b,c`: the applications that get a NATS user. */
function appList(text: string | undefined): string[] {
  if (text === undefined)
    throw new UsageError('nats config needs --apps NAME[,NAME...]: the applications that get a NATS user');
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((app) => validateName('application', app));
}

/**
 * `praas-framework nats config|credentials`: writes a nats-server configuration with one user per
 * application, the gateway and an admin (passwords derived from PRAAS_NATS_SECRET), or prints the
 * credentials one of them connects with, as environment variables.
 */
export function natsCommand(rest: string[], out: (line: string) => void, env: NodeJS.ProcessEnv = process.env): number {
  const [sub, ...args] = rest;
  if (sub === 'config') {
    const { positional, strings } = parseCommandArgs('nats config', args, NATS_CONFIG_OPTIONS);
    if (positional.length > 0) throw new UsageError(`nats config takes no arguments, got '${positional.join(' ')}'`);
    const apps = appList(strings.get('apps'));
    const storeDir = strings.get('store-dir');
    const config = renderNatsServerConfig({
      secret: masterSecret(env),
      apps,
      port: portOption('port', strings.get('port'), 4222),
      ...(storeDir === undefined ? {} : { storeDir }),
    });
    const file = strings.get('out');
    if (file === undefined) out(config);
    else {
      // It holds the passwords: readable by its owner only.
      writeFileSync(file, config, { mode: 0o600 });
      out(`wrote ${file}: users praas-admin, praas-gateway, ${apps.map((a) => `praas-app-${a}`).join(', ')}`);
      out('a running nats-server picks it up with: nats-server --signal reload (or kill -HUP its pid)');
    }
    return 0;
  }
  if (sub === 'credentials') {
    const { positional, strings, switches } = parseCommandArgs('nats credentials', args, NATS_CREDENTIALS_OPTIONS);
    const app = strings.get('app');
    const chosen = [app !== undefined, switches.has('gateway'), switches.has('admin')].filter(Boolean).length;
    if (positional.length > 0 || chosen !== 1)
      throw new UsageError('nats credentials takes exactly one of --app NAME, --gateway, --admin');
    const secret = masterSecret(env);
    const credentials: NatsCredentials =
      app !== undefined
        ? appNatsCredentials({ secret }, app)
        : switches.has('gateway')
          ? gatewayNatsCredentials({ secret })
          : { user: ADMIN_NATS_USER, password: natsPassword(secret, ADMIN_NATS_USER) };
    out(`PRAAS_NATS_USER=${credentials.user}`);
    out(`PRAAS_NATS_PASSWORD=${credentials.password}`);
    return 0;
  }
  throw new UsageError(
    `nats needs a subcommand: config --apps NAME[,NAME...] [--out FILE] [--port N] [--store-dir DIR], or credentials --app NAME | --gateway | --admin; got '${sub ?? ''}'`,
  );
}
