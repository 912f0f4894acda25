/** A source file of a project: its text and how many times it was written. */
export interface ProjectFile {
  readonly content: string;
  /** 1 for the first write, incremented by every update. */
  readonly version: number;
  /** `fragmentHash(content)`, computed once at write time. */
  readonly hash: string;
  readonly updatedAt: Date;
}

/** The most a single file may hold (characters). */
export const MAX_FILE_CHARS = 1024 * 1024;

const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}\.md$/;

/** A file name is not acceptable; the message says what is. */
export class InvalidFileNameError extends Error {
  override readonly name = 'InvalidFileNameError';
  constructor(readonly fileName: unknown) {
    super(
      `invalid file name ${JSON.stringify(fileName)}: use 1-64 letters, digits, '_' or '-' (starting with a letter ` +
        `or digit) followed by '.md', e.g. '01-intro.md'`,
    );
  }
}

/** The project has no file of that name. */
export class FileNotFoundError extends Error {
  override readonly name = 'FileNotFoundError';
  constructor(
    readonly fileName: string,
    available: readonly string[],
  ) {
    super(
      `no file '${fileName}' in this project; ` +
        (available.length
          ? `its files are: ${available.join(', ')}`
          : 'it has no files yet: create one with updateFile'),
    );
  }
}

/** The content of an update is not a string or too long. */
export class InvalidContentError extends Error {
  override readonly name = 'InvalidContentError';
}

/** fetchOutput before the first compile. */
export class NotCompiledError extends Error {
  override readonly name = 'NotCompiledError';
  constructor() {
    super('the project has not been compiled yet: call compile first');
  }
}

/** Returns `name` when it is an acceptable file name; throws InvalidFileNameError otherwise. */
export function validateFileName(name: unknown): string {
  if (typeof name !== 'string' || !FILE_NAME.test(name)) throw new InvalidFileNameError(name);
  return name;
}

/** Returns `content` when it can be stored as a file; throws InvalidContentError otherwise. */
export function validateContent(name: string, content: unknown): string {
  if (typeof content !== 'string')
    throw new InvalidContentError(`content of '${name}' must be a string, got ${typeof content}`);
  if (content.length > MAX_FILE_CHARS)
    throw new InvalidContentError(
      `content of '${name}' has ${content.length} characters, over the limit of ${MAX_FILE_CHARS}`,
    );
  return content;
}

/** The argument of `updateFile`. */
export interface UpdateFileRequest {
  name: string;
  content: string;
}

/** Checks the shape of an `updateFile` argument. */
export function validateUpdate(request: unknown): UpdateFileRequest {
  if (request === null || typeof request !== 'object')
    throw new InvalidContentError('updateFile expects { name, content }');
  const { name, content } = request as Record<string, unknown>;
  const fileName = validateFileName(name);
  return { name: fileName, content: validateContent(fileName, content) };
}
