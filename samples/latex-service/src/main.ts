import 'reflect-metadata';
import { createEmbedded } from '@praas/embedded';
import { runDemoScript } from '@praas/samples-shared';
import { runLatexDemo } from './demo';
import { Project } from './project.process';

/** `npm run demo --workspace @praas/sample-latex-service`: the document service, embedded. */
void runDemoScript(
  () => createEmbedded({ processes: [Project] }),
  async (praas, print) => {
    const result = await runLatexDemo(praas, print);
    const ok = result.afterEdit.rebuilt.length === 1 && result.afterSwap.rebuilt.length === 0 && result.output.upToDate;
    console.log(ok ? 'incremental compile held across the swap' : 'UNEXPECTED REBUILDS');
    return ok;
  },
);
