#!/usr/bin/env node
import 'reflect-metadata';
import { PraasClient } from '../client/praas-client';
import { PraasError } from '../errors';
import { parseCommandArgs } from './args';
import { build } from './commands/build';
import {
  CLIENT_OPTIONS,
  deleteCommand,
  invokeCommand,
  INVOKE_OPTIONS,
  psCommand,
  swapCommand,
  type GatewayClient,
} from './commands/client-commands';
import { deploy } from './commands/deploy';
import { deployToGateway } from './commands/deploy-gateway';
import { dev } from './commands/dev';
import { init } from './commands/init';
import { gateway, host } from './commands/services';
import { gatewayUrl } from './gateway-url';
import { UsageError } from './usage-error';

const USAGE = `usage: praas-framework <command> [options]

commands:
  init <dir> [--name NAME]                      write a new project: one @Process class, a test, build scripts
  build [--project DIR] [--module PATH]         compile; write praas.manifest.json, a typed client
                                                (praas-client.js/.d.ts) and a Dockerfile to the output dir
  dev <module> [--app NAME] [--swap-dir DIR]    run the module's @Process classes on the embedded stack,
      [--no-watch]                              restarting on change with state swapped out and back in
  deploy --gateway URL [--project DIR]          pack the build output and upload it to a gateway as the
                                                application's next version; hosts without --module run it
  deploy --target kubernetes --out DIR          write Kubernetes manifests for gateways and runtime hosts
         [--image IMG] [--replicas N] [--app NAME] [--project DIR] [--gateway-image IMG]
         [--nats-url URL] [--s3-endpoint URL] [--s3-bucket NAME] [--with-services]
  gateway [--http-port N] [--grpc-port N]       run the control plane on NATS (PRAAS_NATS_URL; see --help)
  host [--module PATH] [--app NAME]             run a runtime host on NATS (PRAAS_NATS_URL, PRAAS_S3_* ...);
                                                without --module it runs the code deployed with deploy --gateway
  invoke <app> <fn> [json] [--pid P] [--key K]  call a function through the gateway and print its result;
         [--class C]                            without --pid, a process of class C (needed when several have fn)
  ps <app>                                      list the application's processes
  swap <app> <pid>                              swap a process out now
  delete <app> [<pid>]                          delete a process and its swapped state, or the whole application
  help                                          show this text

invoke, ps, swap and delete take --gateway URL (default: PRAAS_GATEWAY_URL, else http://127.0.0.1:8080)
and --json (print JSON instead of text).`;

/** Commands that talk to a gateway: their errors show the gateway's error code. */
const GATEWAY_COMMANDS = new Set(['deploy', 'invoke', 'ps', 'swap', 'delete']);

const CLIENT_COMMANDS = {
  invoke: { run: invokeCommand, options: INVOKE_OPTIONS },
  ps: { run: psCommand, options: CLIENT_OPTIONS },
  swap: { run: swapCommand, options: CLIENT_OPTIONS },
  delete: { run: deleteCommand, options: CLIENT_OPTIONS },
} as const;

/** Runs the CLI with the given arguments; returns the exit code (1: the command failed, 2: usage error). */
export async function run(
  argv: string[],
  out = (l: string) => console.log(l),
  err = (l: string) => console.error(l),
): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'init': {
        const { positional, strings } = parseCommandArgs('init', rest, { name: 'string' });
        const dir = positional[0];
        if (!dir || positional.length > 1)
          throw new UsageError('init needs one directory, e.g. praas-framework init my-app');
        const name = strings.get('name');
        init({ dir, ...(name === undefined ? {} : { name }) }, out);
        return 0;
      }
      case 'build': {
        const { positional, strings } = parseCommandArgs('build', rest, { project: 'string', module: 'string' });
        if (positional.length > 0)
          throw new UsageError(`build takes no arguments, got '${positional.join(' ')}'; use --project DIR`);
        const project = strings.get('project');
        const module = strings.get('module');
        await build(
          { ...(project === undefined ? {} : { project }), ...(module === undefined ? {} : { module }) },
          out,
          err,
        );
        return 0;
      }
      case 'dev': {
        const { positional, strings, switches } = parseCommandArgs('dev', rest, {
          app: 'string',
          'swap-dir': 'string',
          'no-watch': 'boolean',
        });
        const module = positional[0];
        if (!module)
          throw new UsageError('dev needs the path of a compiled module, e.g. praas-framework dev dist/index.js');
        const app = strings.get('app');
        const swapDir = strings.get('swap-dir');
        await dev(
          {
            module,
            ...(app === undefined ? {} : { app }),
            ...(swapDir === undefined ? {} : { swapDir }),
            ...(switches.has('no-watch') ? { watch: false } : {}),
          },
          out,
        );
        return 0;
      }
      case 'deploy': {
        const args = parseCommandArgs('deploy', rest, {
          gateway: 'string',
          target: 'string',
          out: 'string',
          image: 'string',
          'gateway-image': 'string',
          replicas: 'string',
          app: 'string',
          project: 'string',
          'nats-url': 'string',
          's3-endpoint': 'string',
          's3-bucket': 'string',
          'with-services': 'boolean',
        });
        const gateway = args.strings.get('gateway');
        if (gateway !== undefined) {
          const kubernetesOnly = [...args.strings.keys(), ...args.switches].filter(
            (o) => o !== 'gateway' && o !== 'project',
          );
          if (kubernetesOnly.length > 0 || args.positional.length > 0)
            throw new UsageError(
              `deploy --gateway takes only --project DIR, not ${[...kubernetesOnly.map((o) => `--${o}`), ...args.positional].join(' ')} (those are for --target kubernetes)`,
            );
          const url = gatewayUrl(gateway);
          const project = args.strings.get('project');
          await deployToGateway(
            { gatewayUrl: url, ...(project === undefined ? {} : { project }) },
            new PraasClient({ url }),
            out,
          );
          return 0;
        }
        deploy(args, out);
        return 0;
      }
      case 'invoke':
      case 'ps':
      case 'swap':
      case 'delete': {
        const spec = CLIENT_COMMANDS[command];
        const args = parseCommandArgs(command, rest, spec.options);
        // The CLI prints JSON: results come in the gateway's JSON mapping, as curl sees them.
        const client: GatewayClient = new PraasClient({
          url: gatewayUrl(args.strings.get('gateway')),
          gatewayEncoding: 'json',
        });
        await spec.run(args, client, out);
        return 0;
      }
      case 'gateway':
        return await gateway(rest);
      case 'host':
        return await host(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        err(`unknown command '${command}'\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(`praas-framework ${command}: ${e.message}\n${USAGE}`);
      return 2;
    }
    if (e instanceof PraasError && command !== undefined && GATEWAY_COMMANDS.has(command)) {
      err(`praas-framework ${command}: ${e.code}: ${e.message}`);
      return 1;
    }
    err(`praas-framework ${command}: ${e instanceof PraasError || e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

if (require.main === module) {
  void run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
