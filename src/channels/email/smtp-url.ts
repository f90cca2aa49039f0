/** Connection settings taken from an `smtp://` or `smtps://` URL. */
export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  auth?: { user: string; pass: string };
  /** Refuse to go on unless the server upgrades with STARTTLS (stored `starttls`; a URL upgrades when offered). */
  requireTLS?: boolean;
  /** Never upgrade, even when offered (stored `none`). */
  ignoreTLS?: boolean;
}

/**
 * Parses `smtp://user:pass@host:port` (STARTTLS when offered, default port 587) or `smtps://…` (implicit TLS,
 * default 465). Errors start with `label` and give the reason but never repeat the URL, which may hold a password.
 */
export function parseSmtpUrl(text: string, label = 'SMTP URL'): SmtpSettings {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`${label} is not a valid URL (expected smtp://user:pass@host:port)`);
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new Error(`${label} must start with smtp:// or smtps:// (got ${url.protocol}//)`);
  }
  if (!url.hostname) throw new Error(`${label} has no host`);
  if (url.pathname && url.pathname !== '/') throw new Error(`${label} must not have a path`);
  if (url.search || url.hash) throw new Error(`${label} must not have a query or fragment`);
  const secure = url.protocol === 'smtps:';
  const port = url.port ? Number(url.port) : secure ? 465 : 587;
  if (port < 1) throw new Error(`${label} port must be between 1 and 65535`);
  if (url.password && !url.username) throw new Error(`${label} has a password but no user`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!url.username) return { host, port, secure };
  const auth = { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) };
  return { host, port, secure, auth };
}
