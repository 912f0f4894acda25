import type { OptionSpec } from './args';
import { CLIENT_OPTIONS, INSPECT_OPTIONS, INVOKE_OPTIONS, PS_OPTIONS } from './commands/client-commands';
import { TIMERS_OPTIONS } from './commands/timer-commands';

/** A command's options as its parser takes them, with what each one means. */
interface CommandHelp {
  readonly usage: string;
  readonly summary: string;
  readonly options: OptionSpec;
  readonly describe: Readonly<Record<string, string>>;
  readonly env: readonly string[];
}

const GATEWAY_ENV = 'PRAAS_GATEWAY_URL: the gateway when --gateway is not given (default http://127.0.0.1:8080)';

export const INIT_OPTIONS = { name: 'string' } as const;
export const BUILD_OPTIONS = {
  project: 'string',
  module: 'string',
  quiet: 'boolean',
  'allow-state-change': 'boolean',
} as const;
export const DEV_OPTIONS = {
  project: 'string',
  app: 'string',
  port: 'string',
  'grpc-port': 'string',
  host: 'string',
  'swap-dir': 'string',
  'no-watch': 'boolean',
} as const;
export const DEPLOY_OPTIONS = {
  gateway: 'string',
  token: 'string',
  ca: 'string',
  target: 'string',
  out: 'string',
  image: 'string',
  'gateway-image': 'string',
  replicas: 'string',
  'gateway-replicas': 'string',
  'host-memory': 'string',
  app: 'string',
  project: 'string',
  'nats-url': 'string',
  'nats-replicas': 'string',
  'nats-cluster': 'boolean',
  's3-endpoint': 'string',
  's3-bucket': 'string',
  'with-services': 'boolean',
  quiet: 'boolean',
  upgrade: 'string',
  wave: 'string',
} as const;
export const UP_OPTIONS = {
  project: 'string',
  module: 'string',
  app: 'string',
  hosts: 'string',
  port: 'string',
  'grpc-port': 'string',
  host: 'string',
  'nats-port': 'string',
  'data-dir': 'string',
  'no-auth': 'boolean',
} as const;

export const NATS_CONFIG_OPTIONS = { apps: 'string', out: 'string', port: 'string', 'store-dir': 'string' } as const;
export const NATS_CREDENTIALS_OPTIONS = { app: 'string', gateway: 'boolean', admin: 'boolean' } as const;
export const NATS_SECRET_OPTIONS = { app: 'string', apps: 'string' } as const;
export const NATS_OPTIONS = { ...NATS_CONFIG_OPTIONS, ...NATS_CREDENTIALS_OPTIONS, ...NATS_SECRET_OPTIONS } as const;

const CLIENT_DESCRIBE = {
  gateway: 'gateway URL',
  token: 'bearer token for the gateway (default: PRAAS_TOKEN)',
  ca: "CA file of an https gateway's certificate (default: PRAAS_CA_FILE)",
  json: 'print JSON instead of text',
};

/** Per command: what `praas-framework <command> --help` prints. Options come from the parsers' specs. */
export const COMMAND_HELP: Readonly<Record<string, CommandHelp>> = {
  init: {
    usage: 'init <dir>',
    summary: 'write a new project into an empty directory: one @Process class, a test, build scripts',
    options: INIT_OPTIONS,
    describe: { name: 'application and package name (default: the directory name)' },
    env: [],
  },
  build: {
    usage: 'build',
    summary: 'compile; write praas.manifest.json, a typed client (praas-client.js/.d.ts) and a Dockerfile',
    options: BUILD_OPTIONS,
    describe: {
      project: 'project directory (default: the working directory)',
      module: 'compiled entry, relative to the project (default: package.json "main")',
      quiet: 'print no progress (steps and their timings, on standard error)',
      'allow-state-change':
        "build even when a class removed or retyped a @State field, or lowered its state version, against the previous build without raising @Process({ version }) (deployed processes' state in those fields is lost)",
    },
    env: [],
  },
  dev: {
    usage: 'dev [<module>]',
    summary:
      'run the project on the embedded stack behind a REST and gRPC gateway; recompile (tsc --watch) and reload on change',
    options: DEV_OPTIONS,
    describe: {
      project: 'project directory (default: the working directory); its package.json names the application',
      app: 'application name (default: from package.json "name")',
      port: 'REST port (default 8080; 0 picks a free port, printed)',
      'grpc-port': 'gRPC port (default 50051; 0 picks a free port, printed)',
      host: 'address to listen on (default 127.0.0.1)',
      'swap-dir': 'keep swapped state in this directory (default: a temporary one, removed at exit)',
      'no-watch': 'neither recompile nor reload; serve until Ctrl+C',
    },
    env: [],
  },
  deploy: {
    usage: 'deploy --gateway URL | --target kubernetes --out DIR',
    summary: 'upload the build output to a gateway as the next version, or write Kubernetes manifests',
    options: DEPLOY_OPTIONS,
    describe: {
      gateway: 'upload to this gateway as the next version of the application',
      token: 'bearer token for the gateway (default: PRAAS_TOKEN)',
      ca: "CA file of an https gateway's certificate (default: PRAAS_CA_FILE)",
      target: "'kubernetes': write manifests instead",
      out: 'directory for the manifests',
      image: 'runtime host image (default: <app>:<version>)',
      'gateway-image': 'gateway image (default: praas-framework:<version>)',
      replicas: 'runtime host replicas (default 2)',
      'gateway-replicas': 'gateway replicas (default 1)',
      'host-memory': "a runtime host container's memory limit (default 1Gi); its memory budget is 80% of it",
      app: 'application name (default: from the built manifest)',
      project: 'project directory (default: the working directory)',
      'nats-url': 'NATS URL the pods use, or comma-separated seed URLs of a cluster (default nats://nats:4222)',
      'nats-replicas':
        'JetStream replicas of the registry and backup streams, 1 to 5 (default 1; 3 with --nats-cluster)',
      'nats-cluster': 'with --with-services: a three-node NATS cluster (StatefulSet with routes) instead of one node',
      's3-endpoint': 'S3 endpoint the pods use (default http://minio:9000)',
      's3-bucket': 'bucket for swapped state (default praas)',
      'with-services': 'also write a NATS and a MinIO deployment',
      quiet: 'print no progress (steps and their timings, on standard error)',
      upgrade:
        'with --gateway: how existing processes move to the new version: none (they keep theirs), idle (at their ' +
        'next swap-in; the default) or rolling (active ones are swapped out and in again now, in waves)',
      wave: 'with --upgrade rolling: processes moved at once, at most (default 16)',
    },
    env: [],
  },
  nats: {
    usage: 'nats config | nats credentials | nats secret',
    summary:
      'config: write a nats-server configuration with one user per application (its own subjects, backup stream and ' +
      'registry keys only), the gateway and an admin; credentials: print what one of them connects with; secret: print ' +
      "the Kubernetes Secret <app>-praas-nats the manifests of deploy --target kubernetes mount (nats.conf, the gateway's " +
      "and the application hosts' credentials)",
    options: NATS_OPTIONS,
    describe: {
      apps: 'config, secret: the applications that get a user, comma-separated (secret: default --app)',
      out: 'config: write here (mode 0600: it holds the passwords) instead of printing',
      port: 'config: client port (default 4222)',
      'store-dir': "config: JetStream store directory (default: nats-server's)",
      app: "credentials, secret: the application whose hosts' user and password it gives",
      gateway: "credentials: the gateway's user and password",
      admin: "credentials: the unrestricted admin's user and password",
    },
    env: [
      'PRAAS_NATS_SECRET: the master secret every password is derived from (at least 16 characters); keep it like a key',
    ],
  },
  up: {
    usage: 'up',
    summary:
      'start a local stack without Docker for the built application: nats-server (from PATH), an S3 endpoint, a gateway ' +
      'and N runtime hosts as OS processes; print what it started; Ctrl+C stops them all',
    options: UP_OPTIONS,
    describe: {
      project: 'project directory (default: the working directory)',
      module: 'compiled module the hosts run, relative to the project (default: package.json "main")',
      app: 'application name (default: the built manifest\'s, else package.json "name")',
      hosts: 'runtime hosts to start (default 2)',
      port: 'gateway REST port (default 8080; 0 picks a free port, printed)',
      'grpc-port': 'gateway gRPC port (default 50051; 0 picks a free port, printed)',
      host: 'address the gateway listens on (default 127.0.0.1)',
      'nats-port': 'NATS client port (default: a free port, printed)',
      'data-dir':
        'keep NATS, S3 data, the token file and the logs here (default: a temporary directory, removed at exit)',
      'no-auth':
        'serve without bearer tokens and run nats-server without users (by default a fresh admin token is printed, and the hosts get a NATS user of their application only)',
    },
    env: [
      "PATH: where nats-server is found (apt-get install nats-server, brew install nats-server), and MinIO's minio",
      'PRAAS_NATS_SERVER_BIN: the nats-server binary to run instead of the one on PATH',
      'PRAAS_S3_ENDPOINT, PRAAS_S3_ACCESS_KEY, PRAAS_S3_SECRET_KEY: use this S3 endpoint instead of starting one',
      'PRAAS_S3_BUCKET: the bucket for swapped state and deployed code (default praas)',
      'without PRAAS_S3_ENDPOINT: minio from PATH, else s3rver installed in the project (npm i -D s3rver@3.7.1)',
    ],
  },
  invoke: {
    usage: 'invoke <app> <fn> [<json argument>]',
    summary: 'call a function through the gateway and print its result',
    options: INVOKE_OPTIONS,
    describe: {
      ...CLIENT_DESCRIBE,
      pid: 'the process to call (default: the gateway picks or creates one)',
      class: 'the class whose process to use, when several classes have the function',
      key: 'invocation key (multi-source functions)',
    },
    env: [GATEWAY_ENV],
  },
  ps: {
    usage: 'ps <app>',
    summary:
      "list the application's processes, one page at a time (the last line gives the next page's command), " +
      'and the hosts that cannot load its code',
    options: PS_OPTIONS,
    describe: {
      ...CLIENT_DESCRIBE,
      json: 'print JSON instead of text: every process, or with --limit or --cursor the page and its next cursor',
      limit: 'processes per page, 1 to 1000 (default 100)',
      cursor: 'the page after this cursor (printed at the end of the previous page)',
      status: 'only processes in this status: active, swapping-out, swapped, swapping-in or deleted',
      class: 'only processes of this class',
      host: 'only the active processes on this runtime host (its id)',
      all: 'every page, not only the first',
    },
    env: [GATEWAY_ENV],
  },
  versions: {
    usage: 'versions <app>',
    summary:
      'how many processes run each code version and state version, and the processes an upgrade could not ' +
      'move (pages through every process)',
    options: CLIENT_OPTIONS,
    describe: CLIENT_DESCRIBE,
    env: [GATEWAY_ENV],
  },
  swap: {
    usage: 'swap <app> <pid>',
    summary: 'swap a process out now',
    options: CLIENT_OPTIONS,
    describe: CLIENT_DESCRIBE,
    env: [GATEWAY_ENV],
  },
  inspect: {
    usage: 'inspect <app> <pid>',
    summary:
      "show a process's state: identity, @State fields, keyed state, mailbox and pending triggers " +
      '(a swapped-out process from its newest snapshot, without swapping it in)',
    options: INSPECT_OPTIONS,
    describe: { ...CLIENT_DESCRIBE, 'max-chars': 'cut each value at N characters (default 1024)' },
    env: [GATEWAY_ENV],
  },
  timers: {
    usage: 'timers <app> [<pid>] | timers cancel <app> <pid> <id>',
    summary:
      'list the durable timers of the application, or of one process, one page at a time, the next due first ' +
      "(the last line gives the next page's command): schedule, attempts, the host holding a firing, payload size; " +
      'or cancel one timer',
    options: TIMERS_OPTIONS,
    describe: {
      ...CLIENT_DESCRIBE,
      json: 'print JSON instead of text: every timer, or with --limit or --cursor the page and its next cursor',
      limit: 'timers per page, 1 to 1000 (default 100)',
      cursor: 'the page after this cursor (printed at the end of the previous page)',
      all: 'every page, not only the first',
    },
    env: [GATEWAY_ENV],
  },
  delete: {
    usage: 'delete <app> [<pid>]',
    summary: 'delete a process and its swapped state, or the whole application',
    options: CLIENT_OPTIONS,
    describe: CLIENT_DESCRIBE,
    env: [GATEWAY_ENV],
  },
};

/** The text of `praas-framework <command> --help`. */
export function commandHelp(command: string): string | undefined {
  const help = COMMAND_HELP[command];
  if (help === undefined) return undefined;
  const rows = Object.entries(help.options).map(([name, type]) => [
    type === 'string' ? `--${name} VALUE` : `--${name}`,
    help.describe[name] ?? '',
  ]);
  const width = Math.max(0, ...rows.map(([flag]) => flag!.length));
  const lines = [`usage: praas-framework ${help.usage} [options]`, '', help.summary, '', 'options:'];
  for (const [flag, text] of rows) lines.push(`  ${flag!.padEnd(width)}  ${text}`);
  lines.push(`  ${'--help'.padEnd(width)}  show this text`);
  lines.push('', 'environment:');
  if (help.env.length === 0) lines.push('  none read by this command');
  for (const e of help.env) lines.push(`  ${e}`);
  return lines.join('\n');
}
