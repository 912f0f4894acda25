/** Contract suites (mocha) that every implementation of a runtime interface must pass. */
export { swapStoreContract, type SwapStoreContractOptions } from './swap-store.contract';
export {
  triggerContract,
  Reducer,
  Feeder,
  type TriggerCall,
  type TriggerContractOptions,
  type TriggerEnvironment,
} from './trigger.contract';
export { GatedSwapStore, type HoldOptions } from './gated-swap-store';
