export { Counter, History, type CounterReport } from './counter.process';
export { Reporter, type TickRequest } from './reporter.process';
export { runDemo } from './demo';
