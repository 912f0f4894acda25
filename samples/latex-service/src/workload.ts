import { performance } from 'node:perf_hooks';
import type { ControlPlaneApi } from '@praas/framework';
import { mulberry32 } from '@praas/samples-shared';
import type { CompileReport } from './incremental-compiler';
import type { FetchedOutput, FileContent } from './project.process';
import type { LatexBackend } from './stateless-latex';

/**
 * The `Project` processes of application `app` as a LatexBackend: each project is one process
 * whose pid is the project's name, and every request goes to that pid (sticky routing).
 */
export function processBackend(praas: ControlPlaneApi, app: string): LatexBackend {
  return {
    updateFile: (project, request) => praas.invoke(app, 'updateFile', request, { pid: project }),
    readFile: (project, name) => praas.invoke<FileContent>(app, 'readFile', name, { pid: project }),
    compile: (project) => praas.invoke<CompileReport>(app, 'compile', null, { pid: project }),
    fetchOutput: (project) => praas.invoke<FetchedOutput>(app, 'fetchOutput', null, { pid: project }),
  };
}

const WORDS = (
  'process state swap cloud function serverless mailbox message invoke compile document section ' +
  'figure table result method latency throughput storage object bucket memory elastic sticky ' +
  'session editor author draft review proof lemma theorem equation model epoch worker reduce'
).split(' ');

/**
 * A deterministic Markdown file of about `chars` characters: a heading, paragraphs with emphasis,
 * a list, and inline math, so every renderer feature does some work.
 */
export function generateFile(seed: number, title: string, chars: number): string {
  const random = mulberry32(seed);
  const word = (): string => WORDS[Math.floor(random() * WORDS.length)]!;
  const sentence = (): string => {
    const n = 6 + Math.floor(random() * 10);
    const words = Array.from({ length: n }, (_, i) => (i === 2 ? `*${word()}*` : i === 5 ? `**${word()}**` : word()));
    return `${words.join(' ')}.`;
  };
  const parts = [`## ${title}\n`];
  let length = parts[0]!.length;
  while (length < chars) {
    const kind = random();
    const block =
      kind < 0.7
        ? Array.from({ length: 3 + Math.floor(random() * 3) }, sentence).join(' ')
        : kind < 0.85
          ? Array.from({ length: 3 }, () => `- ${sentence()}`).join('\n')
          : `The cost is $O(n \\log n)$ for ${word()} and ${word()}.`;
    parts.push(`\n${block}\n`);
    length += block.length + 2;
  }
  return parts.join('');
}

/** Shape of a document workload. */
export interface LatexWorkloadOptions {
  /** Projects edited side by side (default 4). */
  projects?: number;
  /** Files per project (default 8). */
  files?: number;
  /** Characters per file (default 4 000). */
  fileChars?: number;
  /** Rounds of edit → compile → fetch after the initial full compile (default 5). */
  rounds?: number;
  /** Files changed per round and project (default 1). */
  editsPerRound?: number;
  /** Name of project i (default `project-<i>`). */
  projectName?: (i: number) => string;
  seed?: number;
}

/** Timings (milliseconds, one entry per request) and what the compiles rebuilt. */
export interface LatexWorkloadResult {
  readonly projects: string[];
  readonly updateMs: number[];
  readonly compileMs: number[];
  readonly fetchMs: number[];
  /** Files rebuilt by each compile, in order; the first compile of a project rebuilds all. */
  readonly rebuiltPerCompile: number[];
  /** Length of each project's final output. */
  readonly outputChars: number[];
}

/**
 * Drives a document workload against any backend (the `Project` processes through
 * `processBackend`, or `StatelessLatex`): every project gets its files and a full compile, then
 * each round edits `editsPerRound` files per project, compiles incrementally and fetches the
 * output. Projects run concurrently; requests of one project run in order. Used by the benchmark.
 */
export async function runLatexWorkload(
  backend: LatexBackend,
  options: LatexWorkloadOptions = {},
): Promise<LatexWorkloadResult> {
  const projectCount = options.projects ?? 4;
  const fileCount = options.files ?? 8;
  const fileChars = options.fileChars ?? 4_000;
  const rounds = options.rounds ?? 5;
  const edits = Math.min(options.editsPerRound ?? 1, fileCount);
  const seed = options.seed ?? 42;
  const nameOf = options.projectName ?? ((i: number) => `project-${i}`);
  const projects = Array.from({ length: projectCount }, (_, i) => nameOf(i));
  const result: LatexWorkloadResult = {
    projects,
    updateMs: [],
    compileMs: [],
    fetchMs: [],
    rebuiltPerCompile: [],
    outputChars: [],
  };
  const timed = async <T>(into: number[], run: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    const value = await run();
    into.push(performance.now() - start);
    return value;
  };
  const fileName = (f: number): string => `${String(f).padStart(2, '0')}-section.md`;
  await Promise.all(
    projects.map(async (project, p) => {
      for (let f = 0; f < fileCount; f++) {
        const content = generateFile(seed + p * 1000 + f, `Section ${f}`, fileChars);
        await timed(result.updateMs, () => backend.updateFile(project, { name: fileName(f), content }));
      }
      const report = await timed(result.compileMs, () => backend.compile(project));
      result.rebuiltPerCompile.push(report.rebuilt.length);
      for (let round = 1; round <= rounds; round++) {
        for (let e = 0; e < edits; e++) {
          const f = (round * edits + e) % fileCount;
          const content = generateFile(seed + p * 1000 + f + round * 100_000, `Section ${f} (rev ${round})`, fileChars);
          await timed(result.updateMs, () => backend.updateFile(project, { name: fileName(f), content }));
        }
        const incremental = await timed(result.compileMs, () => backend.compile(project));
        result.rebuiltPerCompile.push(incremental.rebuilt.length);
        const output = await timed(result.fetchMs, () => backend.fetchOutput(project));
        if (round === rounds) result.outputChars.push(output.html.length);
      }
    }),
  );
  return result;
}
