/**
 * Entry point of a runtime host OS process: `node runtime/dist/src/main/host-main.js [--module m]`.
 * See `runHost` for the configuration.
 */
import 'reflect-metadata';
import { faultLog, installLastResortHandlers } from '@praas/framework/internal';
import { claimProcessFault } from '../process/call-scope';
import { runHost } from './run-host';

// A host outlives a forgotten catch: it logs the error and keeps serving its other processes. One
// raised by a process's code goes to that process, which restarts from its last committed state.
installLastResortHandlers(faultLog('host'), process, claimProcessFault);
void runHost({ argv: process.argv.slice(2) }).then((code) => process.exit(code));
