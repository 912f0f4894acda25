/** Entry of a gateway OS process on NATS: `node gateway/dist/src/gateway-main.js [flags]`. */
import 'reflect-metadata';
import { natsBackend } from './backends/nats-backend';
import { runGateway } from './main';

void runGateway(natsBackend).then((code) => {
  process.exitCode = code;
});
