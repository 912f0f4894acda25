/** Entry of a gateway OS process on NATS: `node gateway/dist/src/gateway-main.js [flags]`. */
import 'reflect-metadata';
import { faultLog, installLastResortHandlers } from '@praas/framework/internal';
import { natsBackend } from './backends/nats-backend';
import { runGateway } from './main';

// A gateway outlives a forgotten catch: it logs the error and keeps serving its other requests.
installLastResortHandlers(faultLog('gateway'));
void runGateway(natsBackend).then((code) => {
  process.exitCode = code;
});
