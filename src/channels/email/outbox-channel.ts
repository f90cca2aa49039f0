import { randomUUID } from 'node:crypto';
import { access, link, mkdir, open, readdir, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import nodemailer from 'nodemailer';
import type { Channel, OutboundMessage, SendResult } from '../channel.ts';
import { mailOptionsFor, messageIdFor } from './mail-options.ts';
import { decodeEncodedWords, parseHeaders } from './mime-headers.ts';

/** Where messages go when no SMTP server is configured. */
export const DEFAULT_OUTBOX_FOLDER = './.recoup/outbox';

/** One stored message as `recoup messages list` shows it; `date` is epoch ms from the Date header. */
export interface OutboxEntry {
  id: string;
  file: string;
  to: string;
  subject: string;
  date: number | null;
}

// The id names the file, so it must not be able to climb out of the folder or hide as a dotfile.
const FILE_SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
const HEADER_BYTES = 64 * 1024;

/** How many files the outbox writes at once (each is fsynced before it is published). */
export const OUTBOX_CONCURRENCY = 8;

/** Writes each email as a complete `.eml` file instead of sending it, so a trial needs no mail server. */
export class OutboxChannel implements Channel {
  readonly name = 'email';
  readonly concurrency = OUTBOX_CONCURRENCY;
  readonly folder: string;
  readonly #from: string;
  readonly #composer = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: 'windows',
    disableFileAccess: true,
    disableUrlAccess: true,
  });

  constructor(options: { from: string; folder?: string }) {
    this.folder = resolve(options.folder ?? DEFAULT_OUTBOX_FOLDER);
    this.#from = options.from;
  }

  /** Stores the message as `<id>.eml`; a second send of the same id leaves the first file and reports it sent. */
  async send(message: OutboundMessage): Promise<SendResult> {
    if (!FILE_SAFE_ID.test(message.id)) {
      return { status: 'failed', error: `message id '${message.id}' cannot name a file`, permanent: true };
    }
    const providerId = messageIdFor(message.id, this.#from);
    try {
      const info = await this.#composer.sendMail(mailOptionsFor(message, this.#from));
      await mkdir(this.folder, { recursive: true });
      await writeOnce(join(this.folder, `${message.id}.eml`), info.message as Buffer);
      return { status: 'sent', providerId };
    } catch (error) {
      return { status: 'failed', error: `outbox: ${(error as Error).message}`, permanent: false };
    }
  }

  /** A file is published whole or not at all (see writeOnce), so its presence says whether the message left. */
  async wasSent(id: string): Promise<boolean> {
    if (!FILE_SAFE_ID.test(id)) return false;
    try {
      await access(join(this.folder, `${id}.eml`));
      return true;
    } catch {
      return false;
    }
  }
}

/** Lists the stored messages (headers only), oldest first. */
export async function listOutbox(folder: string = DEFAULT_OUTBOX_FOLDER): Promise<OutboxEntry[]> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files = names.filter((name) => name.endsWith('.eml') && !name.startsWith('.'));
  const entries = await Promise.all(files.map((name) => readEntry(join(resolve(folder), name))));
  return entries.sort((a, b) => (a.date ?? 0) - (b.date ?? 0) || a.id.localeCompare(b.id));
}

async function readEntry(file: string): Promise<OutboxEntry> {
  const headers = parseHeaders(await readHead(file));
  const date = Date.parse(headers.get('date') ?? '');
  return {
    id: basename(file, '.eml'),
    file,
    to: decodeEncodedWords(headers.get('to') ?? ''),
    subject: decodeEncodedWords(headers.get('subject') ?? ''),
    date: Number.isNaN(date) ? null : date,
  };
}

async function readHead(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEADER_BYTES, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * Writes `data` to `file` only if it does not exist yet, and never leaves a partial file under that name: the
 * bytes go to a temporary file first, and a hard link publishes it, failing with EEXIST if someone else won.
 */
async function writeOnce(file: string, data: Buffer): Promise<void> {
  const temp = join(dirname(file), `.${basename(file)}.${randomUUID()}.tmp`);
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await link(temp, file).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(temp, { force: true });
  }
}
