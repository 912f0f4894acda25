import type { ControlPlaneApi } from '@praas/framework';
import type { CounterReport } from './counter.process';

/**
 * The quickstart scenario on any control plane: create an application and two processes, invoke
 * functions, exchange messages, swap a process out and back in, and show that its state survived.
 */
export async function runDemo(praas: ControlPlaneApi, log: (line: string) => void): Promise<CounterReport> {
  const app = 'quickstart';
  await praas.createApp(app, { processClasses: ['Counter', 'Reporter'] });
  const counter = await praas.createProcess(app, { processClass: 'Counter', pid: 'counter-1' });
  const reporter = await praas.createProcess(app, { processClass: 'Reporter', pid: 'reporter-1' });
  log(
    `created ${counter.pid} (${counter.processClass}) and ${reporter.pid} (${reporter.processClass}) at ${counter.address}`,
  );

  log(`invoke counter-1.add(5) -> ${await praas.invoke<number>(app, 'add', 5, { pid: counter.pid })}`);
  const viaReporter = await praas.invoke(app, 'addTo', { to: counter.pid, amount: 7 }, { pid: reporter.pid });
  log(`reporter-1 invokes counter-1.add(7) -> ${String(viaReporter)}`);

  await praas.invoke(app, 'tick', { to: counter.pid, values: [1, 2, 3] }, { pid: reporter.pid });
  log('reporter-1 sent 3 "tick" messages to counter-1 (waiting, unread, in its mailbox)');

  const swapped = await praas.swapProcess(app, counter.pid);
  log(`swap out counter-1 -> status ${swapped.status}, snapshot generation ${swapped.generation}`);

  const sum = await praas.invoke(app, 'collect', 3, { pid: counter.pid });
  const back = await praas.getProcess(app, counter.pid);
  log(
    `invoke counter-1.collect(3) swapped it back in (status ${back.status}) and read its unread messages: sum ${String(sum)}`,
  );

  const report = await praas.invoke<CounterReport>(app, 'report', null, { pid: counter.pid });
  log(
    `state after the round trip: total ${report.total}, ${report.additions} additions, last ${String(report.lastAddition)}, ` +
      `started ${report.startedAt instanceof Date ? report.startedAt.toISOString() : 'NOT A DATE'}, lastCaller ${String(report.lastCaller)}`,
  );

  try {
    await praas.invoke(app, 'reset', null, { pid: counter.pid });
  } catch (e) {
    log(`invoke counter-1.reset -> ${(e as Error).message}`);
  }
  return report;
}
