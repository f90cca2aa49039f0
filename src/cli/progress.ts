import cliProgress from 'cli-progress';

/** A progress reporter on stderr: a bar on a terminal, a line every few seconds otherwise (CI logs, pipes). */
export interface Progress {
  setTotal(total: number): void;
  update(value: number, payload?: Record<string, string | number>): void;
  stop(): void;
}

/** Starts a progress reporter for long work, counting `unit`s. */
export function progressBar(label: string, unit: string): Progress {
  if (!process.stderr.isTTY) {
    let last = 0;
    return {
      setTotal: () => undefined,
      update(value) {
        if (Date.now() - last < 2_000) return;
        last = Date.now();
        process.stderr.write(`${label}: ${value} ${unit}\n`);
      },
      stop: () => undefined,
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {value} ${unit}`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(0, 0);
  return {
    setTotal: (total) => bar.setTotal(total),
    update: (value) => bar.update(value),
    stop: () => bar.stop(),
  };
}
