/**
 * Benchmark entry (DESIGN §8): `npm run bench -- [--quick] [--suite <name>]... [--out <file>]`.
 * Runs the registered suites side by side, prints a table with ratios, and writes
 * bench/results/latest.json. A suite is a function registered in `SUITES`. A suite that fails is
 * recorded in the report and the others still run; the exit code is then 1.
 */
import 'reflect-metadata';
import { join } from 'node:path';
import { runSuites, type Suite } from './runner';
import { dataPlaneSuite } from './suites/data-plane.bench';
import { gatewaySuite } from './suites/gateway.bench';
import { samplesSuite } from './suites/samples.bench';
import { scaleSuite } from './suites/scale.bench';
import { swapSuite } from './suites/swap.suite';
import { durabilitySuite } from './suites/durability.suite';
import { upgradeSuite } from './suites/upgrade.bench';
import { timersSuite } from './suites/timers.bench';

const SUITES: readonly Suite[] = [
  dataPlaneSuite,
  gatewaySuite,
  swapSuite,
  samplesSuite,
  scaleSuite,
  durabilitySuite,
  upgradeSuite,
  timersSuite,
];

interface Args {
  quick: boolean;
  only: string[];
  output: string;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { quick: false, only: [], output: join(__dirname, '..', '..', 'results', 'latest.json') };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--quick') args.quick = true;
    else if (arg === '--suite') args.only.push(value());
    else if (arg === '--out') args.output = value();
    else throw new Error(`unknown argument '${arg}'; use --quick, --suite <name>, --out <file>`);
  }
  return args;
}

runSuites(SUITES, parseArgs(process.argv.slice(2))).then(
  ({ failures }) => {
    // Every suite ran and the report is written; a failed one still makes the run fail.
    if (failures.length) {
      console.error(`bench: ${failures.length} suite(s) failed: ${failures.map((f) => f.suite).join(', ')}`);
      process.exitCode = 1;
    }
  },
  (e: unknown) => {
    console.error(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exitCode = 1;
  },
);
