/** Contract suites (mocha) that every implementation of a framework interface must pass. */
export { transportContract, type TransportContractOptions } from './transport.contract';
export { registryContract, type RegistryContractOptions } from './registry.contract';
export { timerStoreContract, type TimerStoreContractOptions } from './timer-store.cases';
