import { createHmac } from 'node:crypto';
import { InvalidArgumentError } from '../errors';
import { DEFAULT_BUCKET_PREFIX, registryBucketName, type RegistryBucketKind } from '../registry/nats/registry-keys';
import { validateName } from '../wire/names';
import { appInboxPrefix, backupStreamName } from '../wire/subjects';

/** The permissions of one nats-server user (the `permissions` block of `authorization.users`). */
export interface NatsPermissions {
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
  /** May answer the requests it receives, whatever their reply subject (nats-server `allow_responses`). */
  readonly allowResponses: boolean;
}

/** One user of the generated configuration. */
export interface NatsUser {
  readonly user: string;
  readonly password: string;
  /** Undefined: no restriction (the operator's admin user). */
  readonly permissions: NatsPermissions | undefined;
}

/** Options of {@link natsServerAuth} and {@link appNatsCredentials}. */
export interface NatsAuthOptions {
  /** The master secret every password is derived from (`PRAAS_NATS_SECRET`); at least 16 characters. */
  readonly secret: string;
  /** Prefix of the registry and timer buckets (default `praas_`), as the components use it. */
  readonly bucketPrefix?: string;
}

/** The user name, password and inbox prefix an application's hosts connect with. */
export interface NatsCredentials {
  readonly user: string;
  readonly password: string;
  /** nats.js `inboxPrefix`: the only inboxes the user may subscribe to. */
  readonly inboxPrefix?: string;
}

/** User names: `praas-app-<app>` cannot collide with the two fixed ones (application names are tokens). */
export const GATEWAY_NATS_USER = 'praas-gateway';
export const ADMIN_NATS_USER = 'praas-admin';
export const appNatsUser = (app: string): string => `praas-app-${validateName('application', app)}`;

/** The timer store's bucket (framework/src/timers/nats) shares the registry's prefix. */
const TIMERS_BUCKET = 'timers';
const JS = '$JS.API';

function checkSecret(secret: string): void {
  if (typeof secret !== 'string' || secret.trim().length < 16) {
    throw new InvalidArgumentError('the NATS master secret (PRAAS_NATS_SECRET) must have at least 16 characters', {
      variable: 'PRAAS_NATS_SECRET',
    });
  }
}

/**
 * The password of one user, derived from the master secret: regenerating the configuration for
 * a new application leaves every other password as it was, and nothing else needs storing.
 */
export function natsPassword(secret: string, user: string): string {
  checkSecret(secret);
  return createHmac('sha256', secret).update(`praas-nats-password\0${user}`, 'utf8').digest('base64url');
}

/** What the hosts of `app` connect with. */
export function appNatsCredentials(options: NatsAuthOptions, app: string): NatsCredentials {
  const user = appNatsUser(app);
  return { user, password: natsPassword(options.secret, user), inboxPrefix: appInboxPrefix(app) };
}

/** What a gateway connects with (its inboxes keep the default prefix `_INBOX`). */
export function gatewayNatsCredentials(options: NatsAuthOptions): NatsCredentials {
  return { user: GATEWAY_NATS_USER, password: natsPassword(options.secret, GATEWAY_NATS_USER) };
}

/**
 * What the hosts of one application may do on NATS, cut along the subjects of the wire module and
 * the registry's key layout (registry-keys.ts):
 * - core: publish and subscribe `praas.<app>.>` (its processes, its host control and activation
 *   subjects, its reply subjects, its backup subjects), subscribe to its own inboxes, answer the
 *   requests it receives (`allow_responses`, e.g. a gateway's);
 * - its backup stream: read it (stream info, last message, consumers on it), purge it; not create it
 *   (a stream's subjects are in the request body, which permissions cannot see: a user allowed to
 *   create its stream could make it capture another application's subjects). The gateway creates it;
 * - the shared KV buckets, per key: writes are publishes to `$KV.<bucket>.<key>`, reads direct gets
 *   `$JS.API.DIRECT.GET.<stream>.$KV.<bucket>.<key>`, watches and listings named consumers whose
 *   filter is in the request subject `$JS.API.CONSUMER.CREATE.<stream>.<name>.<filter>` (nats-server
 *   2.9 checks that it equals the body's filter); its application record in `apps`, its `<app>.>`
 *   keys in `processes` and `hosts`, its timers (`t.<app>.>`, `d.<app>.>`, `c.<app>`) in `timers`.
 *   Consumer info, next-message and delete requests name a consumer, not a key: they are allowed on
 *   the KV streams for any consumer name (names are random, so another application's are unknown).
 *   No purge of the shared buckets (its filter is in the body): the hosts' timer deletes leave their
 *   deletion markers, which the gateway sweeps (NatsKvTimerStore.sweepDeleted).
 */
export function appNatsPermissions(app: string, bucketPrefix = DEFAULT_BUCKET_PREFIX): NatsPermissions {
  validateName('application', app);
  const own = `praas.${app}.>`;
  const backup = backupStreamName(app);
  const kv = (kind: RegistryBucketKind | typeof TIMERS_BUCKET, ...keys: string[]): string[] => {
    const bucket = kind === TIMERS_BUCKET ? `${bucketPrefix}${kind}` : registryBucketName(bucketPrefix, kind);
    const stream = `KV_${bucket}`;
    return [
      `${JS}.STREAM.INFO.${stream}`,
      `${JS}.CONSUMER.INFO.${stream}.*`,
      `${JS}.CONSUMER.MSG.NEXT.${stream}.*`,
      `${JS}.CONSUMER.DELETE.${stream}.*`,
      `$JS.FC.${stream}.>`,
      ...keys.flatMap((key) => [
        `$KV.${bucket}.${key}`,
        `${JS}.DIRECT.GET.${stream}.$KV.${bucket}.${key}`,
        `${JS}.CONSUMER.CREATE.${stream}.*.$KV.${bucket}.${key}`,
      ]),
    ];
  };
  return {
    publish: [
      own,
      `${JS}.INFO`,
      `${JS}.STREAM.INFO.${backup}`,
      `${JS}.STREAM.MSG.GET.${backup}`,
      `${JS}.STREAM.PURGE.${backup}`,
      `${JS}.CONSUMER.CREATE.${backup}`,
      `${JS}.CONSUMER.CREATE.${backup}.>`,
      `${JS}.CONSUMER.INFO.${backup}.*`,
      `${JS}.CONSUMER.MSG.NEXT.${backup}.*`,
      `${JS}.CONSUMER.DELETE.${backup}.*`,
      `$JS.FC.${backup}.>`,
      ...kv('apps', app),
      ...kv('processes', `${app}.>`),
      ...kv('hosts', `${app}.>`),
      ...kv(TIMERS_BUCKET, `t.${app}.>`, `d.${app}.>`, `c.${app}`),
    ],
    subscribe: [own, `${appInboxPrefix(app)}.>`],
    allowResponses: true,
  };
}

/**
 * What a gateway may do: it serves every application, so every `praas.>` subject, the registry and
 * timer buckets, the JetStream API (it creates the buckets and the applications' backup streams);
 * it subscribes only to reply subjects (`praas.*.reply.>`) and its own inboxes (`_INBOX.>`).
 * Nothing else: no `$SYS`, no other subjects on the server.
 */
export function gatewayNatsPermissions(bucketPrefix = DEFAULT_BUCKET_PREFIX): NatsPermissions {
  const buckets = ['apps', 'processes', 'hosts', TIMERS_BUCKET].map((kind) => `$KV.${bucketPrefix}${kind}.>`);
  return {
    publish: ['praas.>', `${JS}.>`, '$JS.FC.>', '$JS.ACK.>', ...buckets],
    subscribe: [`praas.*.reply.>`, '_INBOX.>'],
    allowResponses: true,
  };
}

/**
 * The users of a nats-server with isolated applications: one per application, the gateway, and an
 * unrestricted admin for the operator's tools (`nats` CLI, migrations).
 */
export function natsServerUsers(options: NatsAuthOptions, apps: readonly string[]): NatsUser[] {
  checkSecret(options.secret);
  const prefix = options.bucketPrefix ?? DEFAULT_BUCKET_PREFIX;
  const unique = [...new Set(apps.map((app) => validateName('application', app)))].sort();
  const user = (name: string, permissions: NatsPermissions | undefined): NatsUser => ({
    user: name,
    password: natsPassword(options.secret, name),
    permissions,
  });
  return [
    user(ADMIN_NATS_USER, undefined),
    user(GATEWAY_NATS_USER, gatewayNatsPermissions(prefix)),
    ...unique.map((app) => user(appNatsUser(app), appNatsPermissions(app, prefix))),
  ];
}

/** Options of {@link renderNatsServerConfig}. */
export interface NatsServerConfigOptions extends NatsAuthOptions {
  /** The applications that get a user. */
  readonly apps: readonly string[];
  /** Client port (default 4222). */
  readonly port?: number;
  /** Interface to listen on (default `0.0.0.0`). */
  readonly host?: string;
  /** JetStream store directory (default: nats-server's own). */
  readonly storeDir?: string;
  /** HTTP monitoring port (none by default). */
  readonly monitorPort?: number;
}

const quote = (s: string): string => JSON.stringify(s);
const list = (items: readonly string[]): string => `[${items.map(quote).join(', ')}]`;

/**
 * A nats-server configuration (2.9 syntax) with JetStream on and the users of
 * {@link natsServerUsers}. It holds the passwords: keep it like a secret (mode 0600, a Kubernetes
 * Secret). Run `nats-server --signal reload` (or send SIGHUP) after writing a new one for new
 * applications: existing connections keep going, the new users can connect.
 * @example
 * ```ts
 * writeFileSync('nats.conf', renderNatsServerConfig({ secret, apps: ['shop'] }), { mode: 0o600 });
 * ```
 */
export function renderNatsServerConfig(options: NatsServerConfigOptions): string {
  const lines = [
    '# Generated by praas-framework: one user per application (praas-app-<app>), the gateway, an admin.',
    '# Holds passwords: keep it secret. Regenerate for new applications and reload (nats-server --signal reload).',
    `host: ${quote(options.host ?? '0.0.0.0')}`,
    `port: ${options.port ?? 4222}`,
  ];
  if (options.monitorPort !== undefined) lines.push(`http_port: ${options.monitorPort}`);
  lines.push(options.storeDir === undefined ? 'jetstream: {}' : `jetstream: { store_dir: ${quote(options.storeDir)} }`);
  lines.push('authorization: {', '  users: [');
  for (const u of natsServerUsers(options, options.apps)) {
    const p = u.permissions;
    const perms =
      p === undefined
        ? ''
        : `, permissions: { publish: { allow: ${list(p.publish)} }, subscribe: { allow: ${list(p.subscribe)} }` +
          `${p.allowResponses ? ', allow_responses: true' : ''} }`;
    lines.push(`    { user: ${quote(u.user)}, password: ${quote(u.password)}${perms} }`);
  }
  lines.push('  ]', '}', '');
  return lines.join('\n');
}
