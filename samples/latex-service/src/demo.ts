import type { ControlPlaneApi } from '@praas/framework';
import type { CompileReport } from './incremental-compiler';
import type { FetchedOutput, FileContent } from './project.process';

/** What the demo ends with, for callers that check it. */
export interface LatexDemoResult {
  readonly firstCompile: CompileReport;
  readonly afterEdit: CompileReport;
  readonly afterSwap: CompileReport;
  readonly output: FetchedOutput;
}

/**
 * The document-service scenario on any control plane: a project process gets three files, is
 * compiled in full, one file is edited and only that one is rebuilt; the process is swapped out
 * and back in, and its fragment cache is still there (nothing is rebuilt); bad requests are refused.
 */
export async function runLatexDemo(
  praas: ControlPlaneApi,
  log: (line: string) => void,
  app = 'latex',
): Promise<LatexDemoResult> {
  await praas.createApp(app, { processClasses: ['Project'] });
  const { pid } = await praas.createProcess(app, { processClass: 'Project', pid: 'paper-praas' });
  const call = <R>(fn: string, data?: unknown): Promise<R> => praas.invoke<R>(app, fn, data, { pid });
  log(`created project process ${pid}; every request of this project goes to that pid`);

  const files: Record<string, string> = {
    '01-intro.md': '# Process-as-a-Service\n\nServerless functions are *stateless*; cloud processes are not.\n',
    '02-design.md': '## Design\n\n- state in memory\n- swap to object storage\n- messages between processes\n',
    '03-eval.md': '## Evaluation\n\nThe speedup is $T_{s3} / T_{praas}$ for **every** request.\n',
  };
  for (const [name, content] of Object.entries(files)) {
    const { version } = await call<{ version: number }>('updateFile', { name, content });
    log(`updateFile ${name} -> version ${version}`);
  }
  const firstCompile = await call<CompileReport>('compile');
  log(`compile -> rebuilt [${firstCompile.rebuilt.join(', ')}], ${firstCompile.outputChars} characters of HTML`);

  await call('updateFile', { name: '02-design.md', content: files['02-design.md'] + '- sticky sessions\n' });
  const afterEdit = await call<CompileReport>('compile');
  log(
    `edit 02-design.md, compile -> rebuilt [${afterEdit.rebuilt.join(', ')}], reused [${afterEdit.reused.join(', ')}]`,
  );

  const swapped = await praas.swapProcess(app, pid);
  log(`swap out ${pid} -> ${swapped.status} (generation ${swapped.generation})`);
  const afterSwap = await call<CompileReport>('compile');
  log(
    `compile after swap-in -> rebuilt [${afterSwap.rebuilt.join(', ')}], reused ${afterSwap.reused.length} cached fragments`,
  );

  const readBack = await call<FileContent>('readFile', '02-design.md');
  log(`readFile 02-design.md -> version ${readBack.version}, ${readBack.content.split('\n').length} lines`);
  const output = await call<FetchedOutput>('fetchOutput');
  log(`fetchOutput -> ${output.html.length} characters, up to date: ${output.upToDate}`);

  for (const [fn, arg] of [
    ['readFile', '99-missing.md'],
    ['updateFile', { name: '../etc/passwd', content: 'x' }],
  ] as const) {
    try {
      await call(fn, arg);
    } catch (e) {
      log(`${fn}(${JSON.stringify(arg)}) -> ${(e as Error).message}`);
    }
  }
  return { firstCompile, afterEdit, afterSwap, output };
}
