/** Makes the tokens of tracking URLs (see security/tracking-tokens.ts). */
export interface TrackingTokens {
  openToken(messageId: string): string;
  clickToken(messageId: string, url: string): string;
}

/**
 * The tracking of one message: its pixel at `<base>/t/o/<token>` and its links through `<base>/t/c/<token>?u=<url>`,
 * where `base` is Recoup's public URL (RECOUP_PUBLIC_URL) as readers' mail apps reach it.
 */
export function messageTracking(
  base: string,
  messageId: string,
  tokens: TrackingTokens,
  untracked: readonly string[],
): EmailTracking {
  const root = base.replace(/\/+$/, '');
  return {
    pixelUrl: `${root}/t/o/${tokens.openToken(messageId)}`,
    clickUrl: (url) => `${root}/t/c/${tokens.clickToken(messageId, url)}?u=${encodeURIComponent(url)}`,
    untracked: new Set(untracked),
  };
}

/** How one email's HTML is tracked: where its pixel points and what each link is rewritten to. */
export interface EmailTracking {
  /** The URL of the 1×1 open pixel. */
  readonly pixelUrl: string;
  /** The click-redirect URL that leads to `destination`. */
  clickUrl(destination: string): string;
  /** Links left as they are (the unsubscribe link must work even if the tracking server does not). */
  readonly untracked: ReadonlySet<string>;
}

// An <a> start tag, attribute by attribute so that a quoted '>' does not end it early.
const ANCHOR = /<a(?=[\s>/])(?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*\s*\/?>/gi;
const HREF = /(\shref\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/i;
const BODY_END = /<\/body\s*>/gi;

/**
 * Adds open and click tracking to an email's HTML part: every http(s) link of an `<a>` becomes a click redirect
 * (other schemes, such as mailto:, and the untracked links stay as they are) and a 1×1 pixel goes just before
 * `</body>`, or at the end without one. Only the HTML part is tracked; the plain-text part is left alone, so a
 * reader who wants to can follow the real link.
 */
export function addEmailTracking(html: string, tracking: EmailTracking): string {
  const linked = html.replace(ANCHOR, (tag) =>
    tag.replace(HREF, (attribute, prefix: string, dq?: string, sq?: string, bare?: string) => {
      const destination = decodeEntities((dq ?? sq ?? bare ?? '').trim());
      if (!isWebUrl(destination) || tracking.untracked.has(destination)) return attribute;
      return `${prefix}"${escapeAttribute(tracking.clickUrl(destination))}"`;
    }),
  );
  const pixel =
    `<img src="${escapeAttribute(tracking.pixelUrl)}" width="1" height="1" alt="" ` +
    'style="display:block;width:1px;height:1px;border:0;margin:0;padding:0;">';
  const ends = [...linked.matchAll(BODY_END)];
  const last = ends.at(-1);
  if (last?.index === undefined) return `${linked}\n${pixel}`;
  return `${linked.slice(0, last.index)}${pixel}\n${linked.slice(last.index)}`;
}

/** True for an absolute http: or https: URL without control characters or spaces: the only links redirected. */
export function isWebUrl(text: string): boolean {
  if (!/^https?:\/\//i.test(text) || /[\s\p{Cc}]/u.test(text)) return false;
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

// The renderer escapes every output, so a link's `&` reaches the HTML as `&amp;`; the redirect must lead to the
// URL the reader would have reached, which is the decoded one.
function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (entity, name: string) => {
    const lower = name.toLowerCase();
    if (lower.startsWith('#x')) return codePoint(Number.parseInt(lower.slice(2), 16)) ?? entity;
    if (lower.startsWith('#')) return codePoint(Number.parseInt(lower.slice(1), 10)) ?? entity;
    return NAMED[lower] ?? entity;
  });
}

function codePoint(n: number): string | null {
  return Number.isInteger(n) && n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : null;
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
