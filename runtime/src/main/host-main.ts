/**
 * Entry point of a runtime host OS process: `node runtime/dist/src/main/host-main.js [--module m]`.
 * See `runHost` for the configuration.
 */
import 'reflect-metadata';
import { faultLog, installLastResortHandlers } from '@praas/framework';
import { runHost } from './run-host';

// A host outlives a forgotten catch: it logs the error and keeps serving its other processes.
installLastResortHandlers(faultLog('host'));
void runHost({ argv: process.argv.slice(2) }).then((code) => process.exit(code));
