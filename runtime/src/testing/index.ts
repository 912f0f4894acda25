/** Contract suites (mocha) that every implementation of a runtime interface must pass. */
export { swapStoreContract, type SwapStoreContractOptions } from './swap-store.contract';
