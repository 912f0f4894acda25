import 'reflect-metadata';
import { acrossSwapCases } from './trigger-contract/across-swaps.cases';
import { batchCases } from './trigger-contract/batch.cases';
import { multiSourceCases } from './trigger-contract/multi-source.cases';
import { propertyCase } from './trigger-contract/property.case';
import { swapFailureCases } from './trigger-contract/swap-failure.cases';
import { useTriggerHarness, type TriggerContractOptions } from './trigger-contract/trigger-harness';

export { Feeder, Reducer, type TriggerCall } from './trigger-contract/trigger-processes';
export type { TriggerContractOptions, TriggerEnvironment } from './trigger-contract/trigger-harness';

/**
 * The semantics of multi-source and batch triggers (DESIGN §2), on any transport: who is called
 * with what, who gets which reply, and that accumulations survive swaps, on any host. The cases
 * live in `trigger-contract/`, one file per group, on a shared harness.
 */
export function triggerContract(name: string, options: TriggerContractOptions): void {
  describe(`Trigger contract: ${name}, ${options.dataPlane ?? 'nats'} data plane`, function () {
    this.timeout(60_000);
    const t = useTriggerHarness(options);
    multiSourceCases(t);
    batchCases(t);
    acrossSwapCases(t);
    swapFailureCases(t);
    propertyCase(t, options.propertyRuns);
  });
}
