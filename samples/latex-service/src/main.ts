import 'reflect-metadata';
import { createEmbedded } from '@praas/embedded';
import { runLatexDemo } from './demo';
import { Project } from './project.process';

/** `npm run demo --workspace @praas/sample-latex-service`: the document service, embedded. */
async function main(): Promise<void> {
  const praas = await createEmbedded({ processes: [Project] });
  console.log(`praas embedded stack up (swap store: ${praas.swapLocation})`);
  try {
    const result = await runLatexDemo(praas, (line) => console.log(`  ${line}`));
    const ok = result.afterEdit.rebuilt.length === 1 && result.afterSwap.rebuilt.length === 0 && result.output.upToDate;
    console.log(ok ? 'incremental compile held across the swap' : 'UNEXPECTED REBUILDS');
    if (!ok) process.exitCode = 1;
  } finally {
    await praas.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
