import { parseHeaders } from '../../src/channels/email/mime-headers.ts';

/** Text of each leaf MIME part by content type, with quoted-printable or base64 undone. */
export function bodies(raw: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (part: string): void => {
    const headers = parseHeaders(part);
    const split = part.search(/\r?\n\r?\n/);
    const body = split === -1 ? '' : part.slice(split).replace(/^\r?\n\r?\n/, '');
    const type = headers.get('content-type') ?? 'text/plain';
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (boundary) {
      const pieces = body.split(`--${boundary}`).slice(1);
      for (const piece of pieces) if (!piece.startsWith('--')) walk(piece.replace(/^\r?\n/, ''));
      return;
    }
    const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
    const bytes =
      encoding === 'base64'
        ? Buffer.from(body.replace(/\s+/g, ''), 'base64')
        : encoding === 'quoted-printable'
          ? Buffer.from(
              body
                .replace(/=\r?\n/g, '')
                .replace(/=([0-9A-F]{2})/gi, (_, hex: string) =>
                  String.fromCharCode(Number.parseInt(hex, 16)),
                ),
              'latin1',
            )
          : Buffer.from(body, 'utf8');
    found.set(type.split(';')[0]!.trim().toLowerCase(), bytes.toString('utf8'));
  };
  walk(raw);
  return found;
}
