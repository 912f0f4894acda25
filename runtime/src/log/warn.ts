import type { Logger } from '@praas/framework/internal';

/**
 * Reports something the user should fix that does not stop the runtime (e.g. state that will not
 * come back from a swap as it was): a Node.js process warning of type `PraasWarning`, printed on
 * stderr by default, observable with `process.on('warning', ...)`, silenced with `--no-warnings`;
 * and, when a logger is at hand, a `warn` record with the warning's `code`, for log pipelines.
 */
export function warn(code: string, message: string, logger?: Logger): void {
  process.emitWarning(message, { type: 'PraasWarning', code });
  logger?.warn(message, { code });
}
