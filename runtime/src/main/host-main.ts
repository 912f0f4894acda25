/**
 * Entry point of a runtime host OS process: `node runtime/dist/src/main/host-main.js [--module m]`.
 * See `runHost` for the configuration.
 */
import 'reflect-metadata';
import { installHostFaultHandlers } from './host-fault-handlers';
import { runHost } from './run-host';

installHostFaultHandlers();
void runHost({ argv: process.argv.slice(2) }).then((code) => process.exit(code));
