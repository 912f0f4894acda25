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
import { NATS_CONFIG_OPTIONS, NATS_CREDENTIALS_OPTIONS, NATS_SECRET_OPTIONS } from '../help';
import { metadata } from '../kubernetes/kubernetes-objects';
import { praasNames } from '../kubernetes/praas-names';
import { toYaml } from '../yaml';
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
  if (sub === 'secret') {
    const { positional, strings } = parseCommandArgs('nats secret', args, NATS_SECRET_OPTIONS);
    const app = strings.get('app');
    if (positional.length > 0 || app === undefined)
      throw new UsageError(
        'nats secret needs --app NAME (and --apps A,B,... when several applications share the NATS)',
      );
    validateName('application', app);
    const apps = strings.has('apps') ? appList(strings.get('apps')) : [app];
    if (!apps.includes(app)) apps.push(app);
    out(toYaml([natsSecret(masterSecret(env), app, apps)]));
    return 0;
  }
  throw new UsageError(
    `nats needs a subcommand: config --apps NAME[,NAME...] [--out FILE] [--port N] [--store-dir DIR], credentials --app NAME | --gateway | --admin, or secret --app NAME [--apps A,B...]; got '${sub ?? ''}'`,
  );
}

/**
 * The Kubernetes Secret `<app>-praas-nats` the manifests reference: `nats.conf` for the bundled
 * NATS (the users of `apps`), the gateway's credentials and those of the application's hosts.
 */
function natsSecret(secret: string, app: string, apps: readonly string[]) {
  const gateway = gatewayNatsCredentials({ secret });
  const host = appNatsCredentials({ secret }, app);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: metadata(praasNames(app).natsUsers, 'nats-users', app),
    type: 'Opaque',
    stringData: {
      'nats.conf': renderNatsServerConfig({ secret, apps }),
      'gateway-user': gateway.user,
      'gateway-password': gateway.password,
      'host-user': host.user,
      'host-password': host.password,
    },
  };
}
