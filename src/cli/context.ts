import { type RecoupConfig, loadConfig } from '../config/env.ts';
import type { Clock } from '../engine/clock.ts';
import { type Runtime, type RuntimeOptions, openRuntime } from '../runtime/runtime.ts';

/** Loads the configuration first (bad settings fail before anything is opened), then opens Recoup. */
export async function withRuntime<T>(
  fn: (runtime: Runtime) => Promise<T>,
  options: RuntimeOptions & { config?: RecoupConfig; clock?: Clock } = {},
): Promise<T> {
  const config = options.config ?? loadConfig();
  const runtime = await openRuntime(config, options);
  try {
    return await fn(runtime);
  } finally {
    await runtime.close();
  }
}
