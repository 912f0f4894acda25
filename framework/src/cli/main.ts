#!/usr/bin/env node
import 'reflect-metadata';
import { PraasError } from '../errors';
import { parseCommandArgs } from './args';
import { build } from './commands/build';
import { deploy } from './commands/deploy';
import { dev } from './commands/dev';
import { init } from './commands/init';
import { gateway, host } from './commands/services';
import { UsageError } from './usage-error';

const USAGE = `usage: praas-framework <command> [options]

commands:
  init <dir> [--name NAME]                      write a new project: one @Process class, a test, build scripts
  build [--project DIR] [--module PATH]         compile; write praas.manifest.json, a typed client
                                                (praas-client.js/.d.ts) and a Dockerfile to the output dir
  dev <module> [--app NAME] [--swap-dir DIR]    run the module's @Process classes on the embedded stack
  deploy --target kubernetes --out DIR          write Kubernetes manifests for gateways and runtime hosts
         [--image IMG] [--replicas N] [--app NAME] [--project DIR] [--gateway-image IMG]
         [--nats-url URL] [--s3-endpoint URL] [--s3-bucket NAME] [--with-services]
  gateway [--http-port N] [--grpc-port N]       run the control plane on NATS (PRAAS_NATS_URL; see --help)
  host [--module PATH] [--app NAME]             run a runtime host on NATS (PRAAS_NATS_URL, PRAAS_S3_* ...)
  help                                          show this text`;

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
        const { positional, strings } = parseCommandArgs('dev', rest, { app: 'string', 'swap-dir': 'string' });
        const module = positional[0];
        if (!module)
          throw new UsageError('dev needs the path of a compiled module, e.g. praas-framework dev dist/index.js');
        const app = strings.get('app');
        const swapDir = strings.get('swap-dir');
        await dev(
          { module, ...(app === undefined ? {} : { app }), ...(swapDir === undefined ? {} : { swapDir }) },
          out,
        );
        return 0;
      }
      case 'deploy': {
        deploy(
          parseCommandArgs('deploy', rest, {
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
          }),
          out,
        );
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
    err(`praas-framework ${command}: ${e instanceof PraasError || e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

if (require.main === module) {
  void run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
