import 'reflect-metadata';
import { createEmbedded } from '@praas/embedded';
import { Counter } from './counter.process';
import { runDemo } from './demo';
import { Reporter } from './reporter.process';

/** `npm run demo`: the quickstart on the embedded stack, as a short transcript. */
async function main(): Promise<void> {
  const praas = await createEmbedded({ processes: [Counter, Reporter] });
  console.log(`praas embedded stack up (swap store: ${praas.swapLocation})`);
  try {
    const report = await runDemo(praas, (line) => console.log(`  ${line}`));
    const ok = report.total === 12 && report.additions === 2 && report.startedAt instanceof Date;
    console.log(ok ? 'state survived the swap round trip' : 'STATE DID NOT SURVIVE THE SWAP');
    if (!ok) process.exitCode = 1;
  } finally {
    await praas.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
