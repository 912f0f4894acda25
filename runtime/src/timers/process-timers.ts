import {
  encode,
  firstFire,
  InvalidArgumentError,
  parseSchedule,
  startsPerInvocation,
  timerIdFor,
  validateName,
  type ProcessDefinition,
  type ScheduleOptions,
  type TimerInfo,
  type TimerRecord,
  type TimerStore,
  type VersionedTimer,
} from '@praas/framework/internal';
import { findFunction } from '../process/call-runner';

/** What a host shares with the timers of its processes: the store, the clock, and its firer's wake-up. */
export interface HostTimers {
  readonly store: TimerStore;
  /** The clock timers are scheduled and fired by (epoch ms). */
  readonly now: () => number;
  /** A timer was written here, at this revision: the firer wakes up for it if it is due before it looks again. */
  readonly wake: (timer: VersionedTimer) => void;
}

/** What `ctx.schedule`, `ctx.cancel` and `ctx.timers` do, for one process. */
export interface TimerApi {
  schedule(fn: string, data: unknown, options: ScheduleOptions): Promise<string>;
  cancel(id: string): Promise<boolean>;
  list(): Promise<TimerInfo[]>;
}

/**
 * The timers of one process (issue 19): records in the host's shared {@link TimerStore}, never in
 * the process's memory, so they survive its swap-out and its host's death.
 */
export class ProcessTimers implements TimerApi {
  constructor(
    private readonly app: string,
    private readonly pid: string,
    private readonly definition: ProcessDefinition,
    private readonly host: HostTimers,
  ) {}

  async schedule(fn: string, data: unknown, options: ScheduleOptions): Promise<string> {
    validateName('function', fn);
    const target = findFunction(this.definition, fn);
    if (!startsPerInvocation(target.trigger)) {
      throw new InvalidArgumentError(
        `a timer cannot invoke '${fn}' of ${this.definition.name}: it is a ${target.trigger.kind} function; timers invoke standard functions`,
        { function: fn },
      );
    }
    const now = this.host.now();
    const schedule = parseSchedule(options, now);
    const bytes = encode(data, `data of the timer for '${fn}'`);
    const timer: TimerRecord = {
      app: this.app,
      pid: this.pid,
      id: timerIdFor(schedule.key),
      fn,
      data: bytes,
      schedule,
      dueAt: firstFire(schedule, now),
      ...(schedule.key === undefined ? {} : { key: schedule.key }),
      attempt: 0,
      createdAt: now,
    };
    this.host.wake({ timer, revision: await this.host.store.put(timer) });
    return timer.id;
  }

  cancel(id: string): Promise<boolean> {
    return this.host.store.delete(this.app, this.pid, validateName('timer id', id));
  }

  async list(): Promise<TimerInfo[]> {
    return (await this.host.store.list(this.app, this.pid)).map(timerInfo);
  }
}

/** A timer as `ctx.timers()` shows it: without its payload and lease. */
export function timerInfo(t: TimerRecord): TimerInfo {
  return {
    id: t.id,
    fn: t.fn,
    schedule: t.schedule,
    dueAt: t.dueAt,
    ...(t.key === undefined ? {} : { key: t.key }),
    attempt: t.attempt,
  };
}

/**
 * Creates the declared schedules (`@Fn({ trigger: schedule(...) })`) of a new process, keyed by
 * the function's name: creating the process again leaves a timer with the same schedule as it is
 * (its next due time included), and replaces one whose declaration changed.
 */
export async function createDeclaredSchedules(
  app: string,
  pid: string,
  definition: ProcessDefinition,
  host: HostTimers,
): Promise<void> {
  for (const fn of definition.functions.values()) {
    if (fn.trigger.kind !== 'schedule') continue;
    const now = host.now();
    const schedule = parseSchedule({ ...fn.trigger.spec, key: fn.name }, now);
    const existing = await host.store.get(app, pid, fn.name);
    if (existing !== undefined && existing.timer.fn === fn.name && sameDeclaration(existing.timer, schedule)) continue;
    const timer: TimerRecord = {
      app,
      pid,
      id: fn.name,
      fn: fn.name,
      data: encode(undefined, `data of the schedule of '${fn.name}'`),
      schedule,
      dueAt: firstFire(schedule, now),
      key: fn.name,
      attempt: 0,
      createdAt: now,
    };
    host.wake({ timer, revision: await host.store.put(timer) });
  }
}

/** Whether a stored timer has the schedule a declaration gives (an interval's anchor aside). */
function sameDeclaration(timer: TimerRecord, schedule: TimerRecord['schedule']): boolean {
  const a = timer.schedule;
  if (a.kind !== schedule.kind || a.catchUp !== schedule.catchUp) return false;
  if (a.kind === 'every' && schedule.kind === 'every') return a.everyMs === schedule.everyMs;
  if (a.kind === 'cron' && schedule.kind === 'cron') return a.cron === schedule.cron && a.tz === schedule.tz;
  return false;
}

/** Removes every timer of a process (it is deleted). */
export async function deleteProcessTimers(store: TimerStore, app: string, pid: string): Promise<number> {
  let removed = 0;
  for (const t of await store.list(app, pid)) if (await store.delete(app, pid, t.id)) removed++;
  return removed;
}
