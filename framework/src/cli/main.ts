#!/usr/bin/env node
import 'reflect-metadata';
import { PraasError } from '../errors';
import { dev } from './commands/dev';

const USAGE = `usage: praas-framework <command> [options]

commands:
  dev <module> [--app NAME] [--swap-dir DIR]   run the module's @Process classes on the embedded stack
  help                                          show this text`;

function parseFlags(args: string[]): { positional: string[]; flags: Map<string, string> } {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
      const value = inline ?? args[++i];
      if (value === undefined) throw new Error(`option --${name} needs a value`);
      flags.set(name, value);
    } else positional.push(a);
  }
  return { positional, flags };
}

/** Runs the CLI with the given arguments; returns the exit code. */
export async function run(
  argv: string[],
  out = (l: string) => console.log(l),
  err = (l: string) => console.error(l),
): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'dev': {
        const { positional, flags } = parseFlags(rest);
        const module = positional[0];
        if (!module) throw new Error('dev needs the path of a compiled module, e.g. praas-framework dev dist/index.js');
        const app = flags.get('app');
        const swapDir = flags.get('swap-dir');
        await dev(
          { module, ...(app === undefined ? {} : { app }), ...(swapDir === undefined ? {} : { swapDir }) },
          out,
        );
        return 0;
      }
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
    err(`praas-framework ${command}: ${e instanceof PraasError || e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

if (require.main === module) {
  void run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
