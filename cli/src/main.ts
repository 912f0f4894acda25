#!/usr/bin/env node
import 'reflect-metadata';
import { PraasClient, PraasError } from '@praas/framework/internal';
import { parseCommandArgs, portOption, positiveIntegerOption, type OptionSpec } from './args';
import { build } from './commands/build';
import {
  CLIENT_OPTIONS,
  PS_OPTIONS,
  deleteCommand,
  invokeCommand,
  INVOKE_OPTIONS,
  psCommand,
  versionsCommand,
  swapCommand,
  inspectCommand,
  INSPECT_OPTIONS,
  type GatewayClient,
} from './commands/client-commands';
import { deploy } from './commands/deploy';
import { TIMERS_OPTIONS, timersCommand } from './commands/timer-commands';
import { deployToGateway, deployUpgradeOptions } from './commands/deploy-gateway';
import { dev, DEV_DEFAULT_PORTS } from './commands/dev';
import { init } from './commands/init';
import { gateway, host } from './commands/services';
import { natsCommand } from './commands/nats';
import { up } from './commands/up';
import { cliVersion } from './framework-package';
import { loadPeer } from './load-module';
import { gatewayCredentials, gatewayUrl } from './gateway-url';
import {
  BUILD_OPTIONS,
  commandHelp,
  DEPLOY_OPTIONS,
  DEV_OPTIONS,
  INIT_OPTIONS,
  NATS_OPTIONS,
  UP_OPTIONS,
} from './help';
import { UsageError } from './usage-error';

const USAGE = `usage: praas-framework <command> [options]

commands:
  init <dir> [--name NAME]                      write a new project: one @Process class, a test, build scripts
  build [--project DIR] [--module PATH]         compile; write praas.manifest.json, a typed client
        [--quiet] [--allow-state-change]        (praas-client.js/.d.ts) and a Dockerfile to the output dir;
                                                fails when @State changed against the last build without a
                                                state version bump (unless --allow-state-change)
  dev [<module>] [--port N] [--grpc-port N]     serve the project on the embedded stack (REST and gRPC, named
      [--app NAME] [--no-watch] ...             after package.json); tsc --watch, reload with state kept
  up [--hosts N] [--project DIR] [--no-auth]    a local stack without Docker: nats-server (PATH), an S3 endpoint,
     [--port N] [--data-dir DIR] ...            a gateway and N hosts running the built app; Ctrl+C stops all
  deploy --gateway URL [--project DIR]          pack the build output and upload it to a gateway as the
         [--upgrade none|idle|rolling]          application's next version; hosts without --module run it;
         [--wave N]                             existing processes move to it at their next swap-in (idle,
                                                the default), now in waves of N (rolling), or never (none)
  deploy --target kubernetes --out DIR          write Kubernetes manifests for gateways and runtime hosts
         [--image IMG] [--replicas N] [--app NAME] [--project DIR] [--gateway-image IMG]
         [--gateway-replicas N] [--host-memory SIZE] [--nats-url URL[,URL...]] [--nats-replicas N]
         [--s3-endpoint URL] [--s3-bucket NAME] [--with-services [--nats-cluster]]
         (deploy and build print progress on stderr unless --quiet)
  gateway [--http-port N] [--grpc-port N]       run the control plane on NATS (PRAAS_NATS_URL; see --help);
          --tokens-file FILE | --no-auth        callers need a token from FILE, unless --no-auth
  gateway token create --file FILE --id ID      create a bearer token (printed once) with its scopes
          --scope SCOPE                         (admin, metrics, app:<name>:<right>); also list, revoke
  nats config --apps A[,B...] [--out FILE]      write a nats-server configuration: one user per application (only
              [--port N] [--store-dir DIR]      its subjects, stream, registry keys), the gateway, an admin;
  nats credentials --app A | --gateway | --admin  passwords derived from PRAAS_NATS_SECRET; credentials prints one
  host [--module PATH] [--app NAME]             run a runtime host on NATS (PRAAS_NATS_URL, PRAAS_S3_* ...);
                                                without --module it runs the code deployed with deploy --gateway
  invoke <app> <fn> [json] [--pid P] [--key K]  call a function through the gateway and print its result;
         [--class C]                            without --pid, a process of class C (needed when several have fn)
  versions <app>                                how many processes run each code and state version; failed upgrades
  ps <app> [--limit N] [--cursor C] [--all]     list the application's processes, a page at a time (--all: every
     [--status S] [--class C] [--host H]        page); only those in status S, of class C, on host H
  swap <app> <pid>                              swap a process out now
  inspect <app> <pid> [--max-chars N]           show a process's state (a swapped one from its snapshot, not swapped in)
  timers <app> [<pid>] [--limit N] [--cursor C] list the durable timers of the application or of one process, a
         [--all]                                page at a time (--all: every page): next due, schedule, attempts
  timers cancel <app> <pid> <id>                cancel a durable timer of a process
  delete <app> [<pid>]                          delete a process and its swapped state, or the whole application
  help                                          show this text
  --version                                     print the version

praas-framework <command> --help shows a command's options and environment variables.
invoke, ps, versions, swap, inspect, timers, delete and deploy --gateway take --gateway URL (default: PRAAS_GATEWAY_URL, else
http://127.0.0.1:8080), --token T (default: PRAAS_TOKEN) and --ca FILE (default: PRAAS_CA_FILE, the CA of
an https gateway's certificate); invoke, ps, versions, swap, inspect, timers and delete take --json (print JSON instead of text).`;

/** Commands that talk to a gateway: their errors show the gateway's error code. */
const GATEWAY_COMMANDS = new Set(['deploy', 'invoke', 'ps', 'versions', 'swap', 'inspect', 'timers', 'delete']);

/** The options `deploy --gateway` takes (the others are for --target kubernetes). */
const GATEWAY_DEPLOY_OPTIONS = new Set(['gateway', 'project', 'token', 'ca', 'quiet', 'upgrade', 'wave']);

const CLIENT_COMMANDS = {
  invoke: { run: invokeCommand, options: INVOKE_OPTIONS },
  ps: { run: psCommand, options: PS_OPTIONS },
  versions: { run: versionsCommand, options: CLIENT_OPTIONS },
  swap: { run: swapCommand, options: CLIENT_OPTIONS },
  inspect: { run: inspectCommand, options: INSPECT_OPTIONS },
  timers: { run: timersCommand, options: TIMERS_OPTIONS },
  delete: { run: deleteCommand, options: CLIENT_OPTIONS },
} as const;

type Print = (line: string) => void;

/** One command of the CLI: what its parser accepts and how it runs. */
interface CliCommand {
  /** The options it parses; absent for the gateway and host services, which parse their own flags. */
  readonly options?: OptionSpec;
  /** Runs the command with the arguments after its name; resolves with the exit code. */
  run(rest: string[], out: Print, err: Print): Promise<number>;
}

function clientCommand(name: keyof typeof CLIENT_COMMANDS): CliCommand {
  const spec = CLIENT_COMMANDS[name];
  return {
    options: spec.options,
    async run(rest, out) {
      const args = parseCommandArgs(name, rest, spec.options);
      // The CLI prints JSON: results come in the gateway's JSON mapping, as curl sees them.
      const client: GatewayClient = new PraasClient({
        url: gatewayUrl(args.strings.get('gateway')),
        ...gatewayCredentials(args.strings),
        gatewayEncoding: 'json',
      });
      await spec.run(args, client, out);
      return 0;
    },
  };
}

/** The commands `run` dispatches, by name (help and --version aside). */
export const COMMANDS: Readonly<Record<string, CliCommand>> = {
  init: {
    options: INIT_OPTIONS,
    async run(rest, out) {
      const { positional, strings } = parseCommandArgs('init', rest, INIT_OPTIONS);
      const dir = positional[0];
      if (!dir || positional.length > 1)
        throw new UsageError('init needs one directory, e.g. praas-framework init my-app');
      const name = strings.get('name');
      init({ dir, ...(name === undefined ? {} : { name }) }, out);
      return 0;
    },
  },
  build: {
    options: BUILD_OPTIONS,
    async run(rest, out, err) {
      const { positional, strings, switches } = parseCommandArgs('build', rest, BUILD_OPTIONS);
      if (positional.length > 0)
        throw new UsageError(`build takes no arguments, got '${positional.join(' ')}'; use --project DIR`);
      const project = strings.get('project');
      const module = strings.get('module');
      await build(
        {
          ...(project === undefined ? {} : { project }),
          ...(module === undefined ? {} : { module }),
          quiet: switches.has('quiet'),
          allowStateChange: switches.has('allow-state-change'),
        },
        out,
        err,
      );
      return 0;
    },
  },
  up: {
    options: UP_OPTIONS,
    async run(rest, out) {
      const { positional, strings, switches } = parseCommandArgs('up', rest, UP_OPTIONS);
      if (positional.length > 0)
        throw new UsageError(
          `up takes no arguments, got '${positional.join(' ')}'; use --project DIR or --module PATH`,
        );
      const given = (name: 'project' | 'module' | 'app' | 'host'): Record<string, string> => {
        const value = strings.get(name);
        return value === undefined ? {} : { [name]: value };
      };
      await up(
        {
          ...given('project'),
          ...given('module'),
          ...given('app'),
          ...given('host'),
          ...(strings.has('data-dir') ? { dataDir: strings.get('data-dir')! } : {}),
          hosts: positiveIntegerOption('hosts', strings.get('hosts'), 2),
          port: portOption('port', strings.get('port'), DEV_DEFAULT_PORTS.http),
          grpcPort: portOption('grpc-port', strings.get('grpc-port'), DEV_DEFAULT_PORTS.grpc),
          natsPort: portOption('nats-port', strings.get('nats-port'), 0),
          noAuth: switches.has('no-auth'),
        },
        out,
      );
      return 0;
    },
  },
  dev: {
    options: DEV_OPTIONS,
    async run(rest, out) {
      const { positional, strings, switches } = parseCommandArgs('dev', rest, DEV_OPTIONS);
      if (positional.length > 1) throw new UsageError(`dev takes at most one module, got '${positional.join(' ')}'`);
      const option = (name: keyof typeof DEV_OPTIONS): Record<string, string> => {
        const value = strings.get(name);
        return value === undefined ? {} : { [name]: value };
      };
      await dev(
        {
          ...(positional[0] === undefined ? {} : { module: positional[0] }),
          ...option('project'),
          ...option('app'),
          ...option('host'),
          ...(strings.has('swap-dir') ? { swapDir: strings.get('swap-dir')! } : {}),
          port: portOption('port', strings.get('port'), DEV_DEFAULT_PORTS.http),
          grpcPort: portOption('grpc-port', strings.get('grpc-port'), DEV_DEFAULT_PORTS.grpc),
          ...(switches.has('no-watch') ? { watch: false } : {}),
        },
        out,
      );
      return 0;
    },
  },
  deploy: {
    options: DEPLOY_OPTIONS,
    async run(rest, out, err) {
      const args = parseCommandArgs('deploy', rest, DEPLOY_OPTIONS);
      const gateway = args.strings.get('gateway');
      if (gateway === undefined) {
        await deploy(args, out, args.switches.has('quiet') ? undefined : err);
        return 0;
      }
      const kubernetesOnly = [...args.strings.keys(), ...args.switches].filter((o) => !GATEWAY_DEPLOY_OPTIONS.has(o));
      if (kubernetesOnly.length > 0 || args.positional.length > 0)
        throw new UsageError(
          `deploy --gateway takes only --project DIR, --upgrade none|idle|rolling, --wave N, --token T, --ca FILE and --quiet, not ${[...kubernetesOnly.map((o) => `--${o}`), ...args.positional].join(' ')} (those are for --target kubernetes)`,
        );
      const url = gatewayUrl(gateway);
      const project = args.strings.get('project');
      await deployToGateway(
        {
          gatewayUrl: url,
          ...(project === undefined ? {} : { project }),
          ...deployUpgradeOptions(args.strings),
          ...(args.switches.has('quiet') ? {} : { progress: err }),
        },
        new PraasClient({ url, ...gatewayCredentials(args.strings) }),
        out,
      );
      return 0;
    },
  },
  invoke: clientCommand('invoke'),
  versions: clientCommand('versions'),
  ps: clientCommand('ps'),
  swap: clientCommand('swap'),
  inspect: clientCommand('inspect'),
  timers: clientCommand('timers'),
  delete: clientCommand('delete'),
  nats: { options: NATS_OPTIONS, run: (rest, out) => Promise.resolve(natsCommand(rest, out)) },
  gateway: { run: (rest) => gateway(rest) },
  host: { run: (rest) => host(rest) },
};

/** Runs the CLI with the given arguments; returns the exit code (1: the command failed, 2: usage error). */
export async function run(
  argv: string[],
  out: Print = (l) => console.log(l),
  err: Print = (l) => console.error(l),
): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-v' || command === 'version') {
    out(cliVersion());
    return 0;
  }
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    out(USAGE);
    return command === undefined ? 2 : 0;
  }
  // Own properties only: 'constructor' or 'toString' is an unknown command, not Object's.
  const found = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (found === undefined) {
    err(`unknown command '${command}'\n${USAGE}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    const help = helpOf(command, rest);
    if (help !== undefined) {
      out(help);
      return 0;
    }
  }
  try {
    return await found.run(rest, out, err);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`praas-framework ${command}: ${e.message}\n${USAGE}`);
      return 2;
    }
    if (e instanceof PraasError && GATEWAY_COMMANDS.has(command)) {
      err(`praas-framework ${command}: ${e.code}: ${e.message}`);
      return 1;
    }
    err(`praas-framework ${command}: ${e instanceof PraasError || e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

/** `<command> --help`: the CLI's own commands, and the usage of the gateway (and its token command) and host. */
function helpOf(command: string, rest: readonly string[]): string | undefined {
  if (command === 'gateway') {
    const { GATEWAY_USAGE, TOKEN_USAGE } = loadPeer<typeof import('@praas/gateway')>('@praas/gateway');
    return rest[0] === 'token' ? TOKEN_USAGE : GATEWAY_USAGE;
  }
  if (command === 'host') return loadPeer<typeof import('@praas/runtime')>('@praas/runtime').HOST_USAGE;
  return commandHelp(command);
}

if (require.main === module) {
  void run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
