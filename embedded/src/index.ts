/** @praas/embedded — PraaS in one Node.js process: no NATS, no object store, same code paths. */
import 'reflect-metadata';

export { createEmbedded, type EmbeddedOptions, type EmbeddedPraas } from './create-embedded';
export { InProcessHostProvider, type InProcessHostProviderOptions } from './in-process-host-provider';
