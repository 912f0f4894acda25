import 'reflect-metadata';
import { createEmbedded } from '@praas/embedded';
import { runDemoScript } from '@praas/samples-shared';
import { Counter } from './counter.process';
import { runDemo } from './demo';
import { Reporter } from './reporter.process';

/** `npm run demo`: the quickstart on the embedded stack, as a short transcript. */
void runDemoScript(
  () => createEmbedded({ processes: [Counter, Reporter] }),
  async (praas, print) => {
    const report = await runDemo(praas, print);
    const ok = report.total === 12 && report.additions === 2 && report.startedAt instanceof Date;
    console.log(ok ? 'state survived the swap round trip' : 'STATE DID NOT SURVIVE THE SWAP');
    return ok;
  },
);
