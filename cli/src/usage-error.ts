/**
 * The command line was wrong (missing argument, unknown option): the CLI prints the message with
 * the usage text and exits with code 2, as shells expect of usage errors.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
