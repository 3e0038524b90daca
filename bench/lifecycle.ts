// What every benchmark does around its measurements: undo what it started,
// in reverse order, whether it ends normally, fails, is interrupted (Ctrl-C,
// SIGTERM) or runs past its time limit. A benchmark that leaves servers,
// pods or bridges behind skews the next one.

/** What has to be undone, in reverse order of starting; each undo runs once. */
export class Cleanup {
  readonly #steps: { name: string; undo: () => Promise<void> }[] = [];
  #running?: Promise<void>;

  add(name: string, undo: () => Promise<void>): void {
    this.#steps.push({ name, undo });
  }

  all(): Promise<void> {
    this.#running ??= (async () => {
      for (const step of this.#steps.reverse()) {
        await step.undo().catch((err: unknown) => console.error(`cleanup ${step.name}: ${err}`));
      }
    })();
    return this.#running;
  }
}

/**
 * Runs main, then cleanup.all(). On a signal, an uncaught error (e.g. EPIPE
 * on stdout) or when timeLimitMs passes, cleans up and exits at once.
 */
export async function runGuarded(
  timeLimitMs: number,
  cleanup: { all(): Promise<void> },
  main: () => Promise<void>,
): Promise<void> {
  const bail = (code: number) => {
    void cleanup.all().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => bail(130));
  process.once('SIGTERM', () => bail(143));
  process.on('uncaughtException', (err) => {
    console.error(err);
    bail(1);
  });
  const limit = setTimeout(() => {
    console.error(`time limit of ${timeLimitMs / 60_000} min passed; stopping`);
    bail(1);
  }, timeLimitMs);
  try {
    await main();
  } finally {
    clearTimeout(limit);
    await cleanup.all();
  }
}
