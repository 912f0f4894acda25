import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** The monorepo root, from cli/dist/test. */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

/** A scratch project directory that resolves the monorepo's packages through a node_modules link. */
export class TempProject {
  readonly root = mkdtempSync(join(tmpdir(), 'praas-cli-'));
  readonly dir: string;

  constructor(name = 'app') {
    this.dir = join(this.root, name);
  }

  /** Links the monorepo's node_modules in, instead of installing. */
  linkModules(): this {
    mkdirSync(this.dir, { recursive: true });
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(this.dir, 'node_modules'), 'dir');
    return this;
  }

  write(path: string, content: string): this {
    const target = join(this.dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
    return this;
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Runs the CLI in process, collecting its output. */
export { runCaptured as cli } from '../src/run-captured';
