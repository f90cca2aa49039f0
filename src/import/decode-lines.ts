import { TextDecoder } from 'node:util';

/** The character encodings an import file may be read in. */
export const ENCODINGS = ['utf-8', 'latin1', 'windows-1252', 'utf-16'] as const;
export type Encoding = (typeof ENCODINGS)[number];

/** One physical line of a file as text (without its `\n`), and why its bytes were not valid, if they were not. */
export interface DecodedLine {
  readonly line: number;
  readonly text: string;
  readonly problem?: string;
}

interface Format {
  /** Bytes per code unit: a line break is one code unit 0x0A, which no multi-unit character contains. */
  readonly unit: 1 | 2;
  readonly bigEndian: boolean;
  /** The line's text, or null when its bytes are not valid in the encoding. */
  strict(bytes: Uint8Array): string | null;
  /** The line's text with U+FFFD for what is not valid. */
  lenient(bytes: Uint8Array): string;
  readonly problem: string;
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/**
 * Decodes a byte stream line by line, so that bytes that are not valid in the encoding are reported on the line
 * that holds them (that line's text then has U+FFFD in their place). A UTF-8 byte order mark is dropped; for
 * `utf-16` the mark says the byte order, little-endian without one. Latin-1 is read as Windows-1252, its superset
 * (as the WHATWG Encoding standard and browsers do): they differ only in 0x80–0x9F, control characters in Latin-1
 * that text files do not hold, and printable ones (€, „, œ, …) in Windows-1252.
 */
export async function* decodeLines(
  source: AsyncIterable<Uint8Array>,
  encoding: Encoding,
): AsyncGenerator<DecodedLine> {
  let pending = Buffer.alloc(0);
  let format: Format | null = null;
  let line = 0;
  // Chooses the format from the first bytes and drops the byte order mark.
  const begin = (): Format => {
    const chosen = chooseFormat(pending, encoding);
    pending = pending.subarray(chosen.markLength);
    return chosen.format;
  };
  const decode = (bytes: Uint8Array, f: Format): DecodedLine => {
    line += 1;
    const text = f.strict(bytes);
    return text === null ? { line, text: f.lenient(bytes), problem: f.problem } : { line, text };
  };
  function* completeLines(f: Format): Generator<DecodedLine> {
    let start = 0;
    for (let end = lineEnd(pending, start, f); end !== -1; end = lineEnd(pending, start, f)) {
      yield decode(pending.subarray(start, end), f);
      start = end + f.unit;
    }
    pending = pending.subarray(start);
  }
  for await (const chunk of source) {
    pending = pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([pending, chunk]);
    // A byte order mark is up to three bytes: wait for them before choosing.
    if (format === null && pending.length < UTF8_BOM.length) continue;
    format ??= begin();
    yield* completeLines(format);
  }
  format ??= begin();
  yield* completeLines(format);
  if (pending.length > 0) yield decode(pending, format);
}

function chooseFormat(start: Buffer, encoding: Encoding): { format: Format; markLength: number } {
  switch (encoding) {
    case 'utf-8': {
      const marked = UTF8_BOM.every((byte, i) => start[i] === byte);
      const problem =
        'not valid UTF-8 text; if the file was saved as Latin-1 or Windows-1252 (as Excel does), ' +
        'import it with --encoding windows-1252';
      return { format: whatwg('utf-8', 1, false, problem), markLength: marked ? UTF8_BOM.length : 0 };
    }
    case 'latin1':
    case 'windows-1252':
      return { format: WINDOWS_1252, markLength: 0 };
    case 'utf-16': {
      const bigEndian = start[0] === 0xfe && start[1] === 0xff;
      const marked = bigEndian || (start[0] === 0xff && start[1] === 0xfe);
      const name = bigEndian ? 'UTF-16BE' : 'UTF-16LE';
      const problem = `not valid ${name} text (a lone surrogate or an odd number of bytes)`;
      return { format: whatwg(name.toLowerCase(), 2, bigEndian, problem), markLength: marked ? 2 : 0 };
    }
  }
}

/** A format TextDecoder reads; the byte order mark was dropped already, so one on a later line is text. */
function whatwg(label: string, unit: 1 | 2, bigEndian: boolean, problem: string): Format {
  const strict = new TextDecoder(label, { fatal: true, ignoreBOM: true });
  const lenient = new TextDecoder(label, { ignoreBOM: true });
  return {
    unit,
    bigEndian,
    problem,
    strict: (bytes) => {
      try {
        return strict.decode(bytes);
      } catch {
        return null;
      }
    },
    lenient: (bytes) => lenient.decode(bytes),
  };
}

/**
 * Windows-1252's characters for 0x80–0x9F; the rest of its bytes are Latin-1's. Node's TextDecoder reads
 * 'windows-1252' as Latin-1 (nodejs/node#56542), so the table is applied here; the five bytes Windows leaves
 * undefined stay the control characters the WHATWG standard maps them to.
 */
const CP1252_HIGH =
  '\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F' +
  '\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178';

function windows1252(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString('latin1')
    .replace(/[\x80-\x9F]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]!);
}

// Every byte is a character in Windows-1252, so nothing is ever reported.
const WINDOWS_1252: Format = {
  unit: 1,
  bigEndian: false,
  problem: '',
  strict: windows1252,
  lenient: windows1252,
};

/** Where the next line break starts at or after `from` (a code unit boundary), or -1. */
function lineEnd(bytes: Buffer, from: number, format: Format): number {
  if (format.unit === 1) return bytes.indexOf(0x0a, from);
  const low = format.bigEndian ? 1 : 0;
  for (let at = from; at + 1 < bytes.length; at += 2)
    if (bytes[at + low] === 0x0a && bytes[at + 1 - low] === 0x00) return at;
  return -1;
}
