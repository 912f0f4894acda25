/**
 * praas-framework — the command line of PraaS. The `praas-framework` bin runs {@link run}; it is
 * exported so that tools and tests can run a command in process and collect its output
 * ({@link runCaptured} collects it for them).
 */
export { run } from './main';
export { runCaptured, type CapturedRun } from './run-captured';
