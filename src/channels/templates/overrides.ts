/** The three Liquid parts of a template in one locale. */
export interface TemplateParts {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** The newest saved version of one (name, locale); `parts` is null when it resets to the shipped file. */
export interface TemplateOverride {
  readonly name: string;
  readonly locale: string;
  readonly version: number;
  readonly parts: TemplateParts | null;
}

/** Where saved versions come from: a cheap check that changes with every save, and the newest versions. */
export interface TemplateOverrideSource {
  stamp(): Promise<string>;
  current(): Promise<TemplateOverride[]>;
}

/**
 * This process's copy of the saved template versions, which override the shipped files. Rendering reads it without
 * any I/O; `refresh` makes it current.
 *
 * When to refresh: once per engine batch that has messages to render (and before previews, test sends and saves),
 * not every few seconds. One indexed `count(*), max(created_at)` per batch of up to hundreds of cases costs nothing
 * next to the batch's own queries; an idle worker asks nothing; every worker sends a saved template from its very
 * next batch, with no staleness window to reason about; and what the engine sends depends only on the database,
 * not on wall-clock timing, so the simulator and `recoup tick --now` stay deterministic. The versions themselves
 * are read again only when the check changes, which is when someone saved.
 */
export class TemplateOverrides {
  readonly #source: TemplateOverrideSource;
  #byKey = new Map<string, TemplateOverride>();
  #stamp: string | null = null;
  #issued = 0;
  #applied = 0;
  #generation = 0;

  constructor(source: TemplateOverrideSource) {
    this.#source = source;
  }

  /** Checks whether anything was saved since the last look and, if so, reads the newest versions again. */
  async refresh(): Promise<void> {
    const ticket = ++this.#issued;
    const stamp = await this.#source.stamp();
    if (stamp === this.#stamp) return;
    const rows = await this.#source.current();
    // Two refreshes at once (API requests) may finish out of order: the later-started one wins.
    if (ticket < this.#applied) return;
    this.#byKey = new Map(rows.map((row) => [key(row.name, row.locale), row]));
    this.#stamp = stamp;
    this.#applied = ticket;
    this.#generation += 1;
  }

  /** Counts reloads, so caches built from the copy know when to start again. */
  get generation(): number {
    return this.#generation;
  }

  /** The newest saved version of (name, locale), if any was saved. */
  get(name: string, locale: string): TemplateOverride | undefined {
    return this.#byKey.get(key(name, locale));
  }

  /** Every (name, locale) with a saved version. */
  all(): TemplateOverride[] {
    return [...this.#byKey.values()];
  }
}

function key(name: string, locale: string): string {
  return `${name}\u0000${locale}`;
}
