/**
 * Reports something the user should fix that does not stop the runtime (e.g. state that will not
 * come back from a swap as it was). Until the Logger of DESIGN §8b exists, this one function is the
 * runtime's way to warn: a Node.js process warning of type `PraasWarning`, printed on stderr by
 * default, observable with `process.on('warning', ...)`, silenced with `--no-warnings`.
 */
export function warn(code: string, message: string): void {
  process.emitWarning(message, { type: 'PraasWarning', code });
}
