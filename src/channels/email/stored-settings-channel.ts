import type { EmailServer } from '../../domain/email-settings.ts';
import type { Channel, OutboundMessage, SendResult } from '../channel.ts';
import { SMTP_DEFAULT_CONNECTIONS, SmtpChannel } from './smtp-channel.ts';
import { smtpSettingsOf } from './smtp-settings.ts';

/** A stored server and a token that changes whenever its settings do. */
export interface VersionedEmailServer {
  readonly version: string;
  readonly server: EmailServer;
}

/** Where the settings come from, how often to look again, and where mail goes while none are stored. */
export interface StoredSettingsChannelOptions {
  /** Reads the stored server; null when none is stored. */
  readonly load: () => Promise<VersionedEmailServer | null>;
  /** Used while no server is stored: the local outbox. */
  readonly fallback: Channel;
  /** How long a read stays good; another process's change is picked up within this. */
  readonly refreshMs?: number;
  /** Monotonic milliseconds; the engine's clock may be virtual, but this is about real elapsed time. */
  readonly now?: () => number;
}

/** How long a read of the settings stays good by default: a change reaches every process within this. */
export const DEFAULT_SETTINGS_REFRESH_MS = 3_000;

interface Active {
  readonly version: string | null;
  readonly channel: Channel;
  inflight: number;
  retired: boolean;
}

/**
 * The email channel when the environment names no SMTP server: it sends through the server an admin stored (or
 * into the outbox while none is stored), re-reads the stored settings at most every `refreshMs`, and when they
 * changed connects anew. The old connection pool is closed once its sends in flight are done, so a change never
 * cuts a message off mid-send. Sending and recording are the engine's as before: this only picks the transport.
 */
export class StoredSettingsEmailChannel implements Channel {
  readonly name = 'email';
  readonly #options: StoredSettingsChannelOptions;
  readonly #refreshMs: number;
  readonly #now: () => number;
  #active: Active | null = null;
  #checkedAt = Number.NEGATIVE_INFINITY;
  #loading: Promise<Active> | null = null;

  constructor(options: StoredSettingsChannelOptions) {
    this.#options = options;
    this.#refreshMs = options.refreshMs ?? DEFAULT_SETTINGS_REFRESH_MS;
    this.#now = options.now ?? (() => performance.now());
  }

  /** The current transport's concurrency; before the first send, an SMTP pool's (the smaller). */
  get concurrency(): number {
    return this.#active?.channel.concurrency ?? SMTP_DEFAULT_CONNECTIONS;
  }

  /**
   * A file in the outbox answers for any transport (it holds only what was captured there); otherwise only the
   * outbox, while it is the transport, can say a message did not leave.
   */
  async wasSent(id: string): Promise<boolean | null> {
    const captured = (await this.#options.fallback.wasSent?.(id)) ?? null;
    if (captured === true) return true;
    const active = await this.#current().catch(() => null);
    return active?.channel === this.#options.fallback ? captured : null;
  }

  /** Forgets the last read, so the next send reads the settings again (this process just changed them). */
  invalidate(): void {
    this.#checkedAt = Number.NEGATIVE_INFINITY;
  }

  /** Sends through the current transport; never throws, as every channel: unreadable settings fail the send. */
  async send(message: OutboundMessage): Promise<SendResult> {
    let active: Active;
    try {
      active = await this.#current();
    } catch (error) {
      // Nothing left the building: the engine may try again later, when the settings are readable.
      return { status: 'failed', error: `email settings: ${(error as Error).message}`, permanent: false };
    }
    active.inflight += 1;
    try {
      return await active.channel.send(message);
    } finally {
      active.inflight -= 1;
      if (active.retired && active.inflight === 0) await this.#closeSmtp(active);
    }
  }

  /** Closes the current connection pool (the outbox has none). */
  async close(): Promise<void> {
    const active = this.#active;
    this.#active = null;
    if (active) {
      active.retired = true;
      if (active.inflight === 0) await this.#closeSmtp(active);
    }
    await this.#options.fallback.close?.();
  }

  async #current(): Promise<Active> {
    if (this.#active && this.#now() - this.#checkedAt < this.#refreshMs) return this.#active;
    // One read for all the sends that find the settings due at once.
    this.#loading ??= this.#reload().finally(() => {
      this.#loading = null;
    });
    return this.#loading;
  }

  async #reload(): Promise<Active> {
    const startedAt = this.#now();
    const stored = await this.#options.load();
    this.#checkedAt = startedAt;
    const version = stored?.version ?? null;
    const previous = this.#active;
    if (previous && previous.version === version) return previous;
    const channel = stored
      ? new SmtpChannel({
          server: smtpSettingsOf(stored.server),
          from: stored.server.from,
          replyTo: stored.server.replyTo,
        })
      : this.#options.fallback;
    const next: Active = { version, channel, inflight: 0, retired: false };
    this.#active = next;
    if (previous) {
      previous.retired = true;
      if (previous.inflight === 0) await this.#closeSmtp(previous);
    }
    return next;
  }

  async #closeSmtp(active: Active): Promise<void> {
    if (active.channel !== this.#options.fallback) await active.channel.close?.();
  }
}

/** Makes the stored-settings email channel among `channels` (if that is the one in use) read its settings anew. */
export function reloadEmailSettings(channels: ReadonlyMap<string, Channel>): void {
  const email = channels.get('email');
  if (email instanceof StoredSettingsEmailChannel) email.invalidate();
}
