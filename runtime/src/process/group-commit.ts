/**
 * Commits for `durability: 'call'` (DESIGN §6): each request resolves once a commit that started
 * after it completed, so it covers the state the caller produced. Requests that arrive while a
 * commit runs share the next one: concurrent calls cost one snapshot, not one each.
 */
export class GroupCommit {
  private running: Promise<void> | undefined;
  private waiting: Promise<void> | undefined;

  constructor(private readonly commit: () => Promise<unknown>) {}

  /** Resolves when the state as of now is committed; rejects with the commit's error. */
  request(): Promise<void> {
    if (this.waiting) return this.waiting;
    const running = this.running;
    if (!running) return this.run();
    // The running commit may have captured the state before this caller's change: the next one.
    // Its own failure is reported to its own requesters; this one starts afresh either way.
    this.waiting = Promise.allSettled([running]).then(() => {
      this.waiting = undefined;
      return this.run();
    });
    return this.waiting;
  }

  private run(): Promise<void> {
    const commit = this.commit().then(() => undefined);
    this.running = commit;
    const done = (): void => {
      if (this.running === commit) this.running = undefined;
    };
    commit.then(done, done);
    return commit;
  }
}
