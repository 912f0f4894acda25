import { validateName } from '@praas/framework';
import { compileIncremental, documentOrder, fragmentHash, type CompileReport } from './incremental-compiler';
import {
  FileNotFoundError,
  NotCompiledError,
  validateFileName,
  validateUpdate,
  type UpdateFileRequest,
} from './project-files';
import type { FetchedOutput, FileContent } from './project.process';
import { S3Bucket, type S3BucketOptions } from '@praas/samples-shared';

/** The per-project index object: file versions and hashes, and what the last compile used. */
interface ProjectIndex {
  files: Record<string, { version: number; hash: string }>;
  compiled?: { compiledAt: string; versions: Record<string, number>; hashes: Record<string, string> };
}

/** The operations a document backend offers per project, stateful or stateless alike. */
export interface LatexBackend {
  updateFile(project: string, request: UpdateFileRequest): Promise<{ name: string; version: number }>;
  readFile(project: string, name: string): Promise<FileContent>;
  compile(project: string): Promise<CompileReport>;
  fetchOutput(project: string): Promise<FetchedOutput>;
}

/**
 * The stateless baseline for the benchmark: the same service as the `Project` process, but as a
 * plain serverless-style handler that keeps nothing between requests. Every request reads what it
 * needs from S3 and writes back what changed. Object layout per project: `<project>/index.json`
 * (versions, hashes, last compile), `<project>/files/<name>`, `<project>/fragments/<name>.html`
 * and `<project>/output.html`. Like a FaaS function it has no lock: concurrent writers to one
 * project race (last index write wins), which is the problem sticky cloud processes avoid.
 */
export class StatelessLatex implements LatexBackend {
  private readonly bucket: S3Bucket;

  constructor(options: S3BucketOptions) {
    this.bucket = new S3Bucket(options);
  }

  async updateFile(project: string, request: UpdateFileRequest): Promise<{ name: string; version: number }> {
    const { name, content } = validateUpdate(request);
    const index = await this.index(project);
    const version = (index.files[name]?.version ?? 0) + 1;
    await this.bucket.put(this.key(project, 'files', name), content);
    index.files[name] = { version, hash: fragmentHash(content) };
    await this.writeIndex(project, index);
    return { name, version };
  }

  async readFile(project: string, name: string): Promise<FileContent> {
    const fileName = validateFileName(name);
    const index = await this.index(project);
    const entry = index.files[fileName];
    if (!entry) throw new FileNotFoundError(fileName, documentOrder(Object.keys(index.files)));
    const content = await this.bucket.get(this.key(project, 'files', fileName));
    if (content === undefined) throw new Error(`file '${fileName}' of '${project}' is in the index but not in S3`);
    return { name: fileName, content: content.toString('utf8'), version: entry.version };
  }

  async compile(project: string): Promise<CompileReport> {
    const index = await this.index(project);
    const hashes = new Map(Object.entries(index.files).map(([name, f]) => [name, f.hash]));
    const cache = new Map(
      Object.entries(index.compiled?.hashes ?? {}).map(([name, hash]) => [name, { hash, html: '' }]),
    );
    const result = await compileIncremental(
      project,
      hashes,
      cache,
      async (name) => (await this.bucket.get(this.key(project, 'files', name)))?.toString('utf8') ?? '',
      async (name) => (await this.bucket.get(this.key(project, 'fragments', name)))?.toString('utf8') ?? '',
    );
    await Promise.all(
      result.report.rebuilt.map((name) =>
        this.bucket.put(this.key(project, 'fragments', name), result.fragments.get(name)!.html),
      ),
    );
    await this.bucket.put(this.key(project, 'output.html'), result.html);
    index.compiled = {
      compiledAt: new Date().toISOString(),
      versions: Object.fromEntries(Object.entries(index.files).map(([name, f]) => [name, f.version])),
      hashes: Object.fromEntries([...result.fragments].map(([name, f]) => [name, f.hash])),
    };
    await this.writeIndex(project, index);
    return result.report;
  }

  async fetchOutput(project: string): Promise<FetchedOutput> {
    const index = await this.index(project);
    if (!index.compiled) throw new NotCompiledError();
    const html = await this.bucket.get(this.key(project, 'output.html'));
    if (html === undefined) throw new Error(`output of '${project}' is in the index but not in S3`);
    const { versions } = index.compiled;
    const names = Object.keys(index.files);
    const upToDate =
      Object.keys(versions).length === names.length && names.every((n) => versions[n] === index.files[n]!.version);
    return { html: html.toString('utf8'), compiledAt: new Date(index.compiled.compiledAt), versions, upToDate };
  }

  /** Closes idle connections to S3. */
  close(): void {
    this.bucket.close();
  }

  private async index(project: string): Promise<ProjectIndex> {
    const bytes = await this.bucket.get(this.key(project, 'index.json'));
    return bytes === undefined ? { files: {} } : (JSON.parse(bytes.toString('utf8')) as ProjectIndex);
  }

  private writeIndex(project: string, index: ProjectIndex): Promise<void> {
    return this.bucket.put(this.key(project, 'index.json'), JSON.stringify(index));
  }

  private key(project: string, ...parts: string[]): string {
    return [validateName('pid', project), ...parts].join('/');
  }
}
