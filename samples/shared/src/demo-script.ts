/** What a demo needs of the stack it runs on: where it swaps to, and a way to stop it. */
export interface DemoStack {
  readonly swapLocation: string;
  close(): Promise<void>;
}

/**
 * Runs a sample's `npm run demo` script: starts the stack, runs the scenario (which prints its
 * transcript through `print`, indented, and returns whether the outcome was the expected one),
 * then closes the stack. An unexpected outcome or a failure sets exit code 1, so the script can
 * serve as a smoke test. The promise it returns never rejects (the failure is printed), so a
 * script's top level may leave it with `void`.
 *
 * @example
 * ```ts
 * void runDemoScript(
 *   () => createEmbedded({ processes: [Counter] }),
 *   async (praas, print) => (await runDemo(praas, print)).total === 12,
 * );
 * ```
 */
export function runDemoScript<S extends DemoStack>(
  start: () => Promise<S>,
  scenario: (stack: S, print: (line: string) => void) => Promise<boolean>,
): Promise<void> {
  const run = async (): Promise<void> => {
    const stack = await start();
    console.log(`praas embedded stack up (swap store: ${stack.swapLocation})`);
    try {
      if (!(await scenario(stack, (line) => console.log(`  ${line}`)))) process.exitCode = 1;
    } finally {
      await stack.close();
    }
  };
  return run().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
