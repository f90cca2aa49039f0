import { describe, expect, it } from 'vitest';
import { type DecodedLine, type Encoding, decodeLines } from '../../src/import/decode-lines.ts';

/** Decodes bytes delivered in chunks of `size` bytes (1 splits every character across chunks). */
async function decode(bytes: Buffer, encoding: Encoding, size = bytes.length || 1): Promise<DecodedLine[]> {
  async function* chunks() {
    for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
  }
  const lines: DecodedLine[] = [];
  for await (const line of decodeLines(chunks(), encoding)) lines.push(line);
  return lines;
}

const texts = (lines: DecodedLine[]) => lines.map((l) => l.text);
const CSV = 'external_id,name\nc1,René Müller\nc2,Zoë Øster\n';

function utf16(text: string, byteOrder: 'le' | 'be', mark: boolean): Buffer {
  const le = Buffer.from(`${mark ? '\uFEFF' : ''}${text}`, 'utf16le');
  return byteOrder === 'le' ? le : le.swap16();
}

describe('decodeLines', () => {
  it('reads UTF-8 line by line, whatever the chunks, and drops a byte order mark', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(CSV, 'utf8')]);
    for (const size of [1, 2, 3, 7, bytes.length]) {
      const lines = await decode(bytes, 'utf-8', size);
      expect(texts(lines), `chunks of ${size}`).toEqual([
        'external_id,name',
        'c1,René Müller',
        'c2,Zoë Øster',
      ]);
      expect(lines.map((l) => l.line)).toEqual([1, 2, 3]);
      expect(lines.every((l) => l.problem === undefined)).toBe(true);
    }
  });

  it('reports every line whose bytes are not UTF-8, on its own line number', async () => {
    const bytes = Buffer.from('external_id,name\nc1,René Müller\nc2,Ada\nc3,Zoë\n', 'latin1');
    for (const size of [1, bytes.length]) {
      const lines = await decode(bytes, 'utf-8', size);
      expect(lines.filter((l) => l.problem).map((l) => l.line)).toEqual([2, 4]);
      expect(lines[1]!.problem).toMatch(/^not valid UTF-8 text; .*--encoding windows-1252/);
      expect(lines[1]!.text).toBe('c1,Ren\uFFFD M\uFFFDller');
      expect(lines[2]).toEqual({ line: 3, text: 'c2,Ada' });
    }
  });

  it('reads Latin-1 and Windows-1252, where every byte is a character', async () => {
    const latin1 = Buffer.from(CSV, 'latin1');
    expect(texts(await decode(latin1, 'latin1'))).toEqual(texts(await decode(Buffer.from(CSV), 'utf-8')));
    // 0x80 is the euro sign in Windows-1252 (Excel's "CSV" on Western Windows).
    const euro = Buffer.from([0x63, 0x31, 0x2c, 0x80, 0x35, 0x0d, 0x0a]);
    expect(await decode(euro, 'windows-1252')).toEqual([{ line: 1, text: 'c1,€5\r' }]);
  });

  it('reads UTF-16 in the byte order its mark says, little-endian without one', async () => {
    const expected = ['external_id,name', 'c1,René Müller', 'c2,Zoë Øster'];
    for (const [order, mark] of [
      ['le', true],
      ['be', true],
      ['le', false],
    ] as const) {
      for (const size of [1, 3, 1024]) {
        const lines = await decode(utf16(CSV, order, mark), 'utf-16', size);
        expect(texts(lines), `${order} ${mark ? 'with' : 'without'} mark, chunks of ${size}`).toEqual(
          expected,
        );
      }
    }
    // A character outside the BMP (a surrogate pair) and a line break in the low byte of another character.
    const tricky = utf16('a\u0A0A😀\nb', 'be', true);
    expect(texts(await decode(tricky, 'utf-16', 1))).toEqual(['a\u0A0A😀', 'b']);
  });

  it('reports a UTF-16 line with a lone surrogate or a missing last byte', async () => {
    const lone = Buffer.concat([utf16('ok\n', 'le', true), Buffer.from([0x3d, 0xd8, 0x0a, 0x00])]);
    expect((await decode(lone, 'utf-16')).map((l) => [l.line, l.problem !== undefined])).toEqual([
      [1, false],
      [2, true],
    ]);
    const odd = Buffer.concat([utf16('ok\nx', 'le', true), Buffer.from([0x41])]);
    const lines = await decode(odd, 'utf-16');
    expect(lines[1]).toMatchObject({ line: 2, problem: expect.stringMatching(/^not valid UTF-16LE/) });
  });

  it('reads an empty file, and a short one that cannot hold a byte order mark', async () => {
    expect(await decode(Buffer.alloc(0), 'utf-8')).toEqual([]);
    expect(await decode(Buffer.from('a'), 'utf-8')).toEqual([{ line: 1, text: 'a' }]);
    expect(await decode(Buffer.from('a\n'), 'utf-8')).toEqual([{ line: 1, text: 'a' }]);
  });
});
