import { Fn, Process, State, type Context } from '@praas/framework';
import {
  compileIncremental,
  documentOrder,
  fragmentHash,
  hashesOf,
  type CachedFragment,
  type CompileReport,
} from './incremental-compiler';
import {
  FileNotFoundError,
  NotCompiledError,
  validateFileName,
  validateUpdate,
  type ProjectFile,
} from './project-files';

/** The assembled document as the last compile left it. */
export interface CompiledOutput {
  readonly html: string;
  readonly compiledAt: Date;
  /** Version of every file the output was built from. */
  readonly versions: Record<string, number>;
}

/** What `fetchOutput` answers. */
export interface FetchedOutput extends CompiledOutput {
  /** False when a file was created, changed or deleted since the compile. */
  readonly upToDate: boolean;
}

/** What `readFile` answers. */
export interface FileContent {
  readonly name: string;
  readonly content: string;
  readonly version: number;
}

/** One entry of `listFiles`. */
export interface FileEntry {
  readonly name: string;
  readonly version: number;
  readonly chars: number;
}

/**
 * One collaborative document project (the PraaS paper's case study): its source files, the
 * rendered fragment of each and the last assembled output are process state, so editing,
 * compiling and fetching need no storage round trip, and an evicted project comes back with its
 * fragment cache intact. Route every request of a project to its pid (sticky sessions).
 */
@Process({ name: 'Project', maxConcurrency: 16 })
export class Project {
  @State() files = new Map<string, ProjectFile>();
  /** Rendered fragments by file name, with the content hash they were rendered from. */
  @State() fragments = new Map<string, CachedFragment>();
  @State() output: CompiledOutput | null = null;
  @State() compiles = 0;

  /** Creates or replaces a file; returns its new version. */
  @Fn()
  updateFile(request: unknown): { name: string; version: number } {
    const { name, content } = validateUpdate(request);
    const version = (this.files.get(name)?.version ?? 0) + 1;
    this.files.set(name, { content, version, hash: fragmentHash(content), updatedAt: new Date() });
    return { name, version };
  }

  /** The newest version of a file. */
  @Fn()
  readFile(name: unknown): FileContent {
    const file = this.file(validateFileName(name));
    return { name: file[0], content: file[1].content, version: file[1].version };
  }

  /** Removes a file; the next compile drops its fragment. */
  @Fn()
  deleteFile(name: unknown): { name: string; deleted: boolean } {
    const [fileName] = this.file(validateFileName(name));
    return { name: fileName, deleted: this.files.delete(fileName) };
  }

  /** The project's files in document order. */
  @Fn()
  listFiles(): FileEntry[] {
    return documentOrder(this.files.keys()).map((name) => {
      const file = this.files.get(name)!;
      return { name, version: file.version, chars: file.content.length };
    });
  }

  /** Renders new and changed files, reuses the fragments of unchanged ones, and assembles the output. */
  @Fn()
  async compile(_: unknown, ctx: Context): Promise<CompileReport> {
    const files = this.files;
    const result = await compileIncremental(
      ctx.self,
      hashesOf(files),
      this.fragments,
      (name) => files.get(name)!.content,
    );
    this.fragments = result.fragments;
    this.output = {
      html: result.html,
      compiledAt: new Date(),
      versions: Object.fromEntries([...files].map(([name, f]) => [name, f.version])),
    };
    this.compiles++;
    return result.report;
  }

  /** The assembled HTML of the last compile, and whether it reflects the current files. */
  @Fn()
  fetchOutput(): FetchedOutput {
    if (!this.output) throw new NotCompiledError();
    const { versions } = this.output;
    const upToDate =
      Object.keys(versions).length === this.files.size &&
      [...this.files].every(([name, f]) => versions[name] === f.version);
    return { ...this.output, upToDate };
  }

  private file(name: string): [string, ProjectFile] {
    const file = this.files.get(name);
    if (!file) throw new FileNotFoundError(name, documentOrder(this.files.keys()));
    return [name, file];
  }
}
