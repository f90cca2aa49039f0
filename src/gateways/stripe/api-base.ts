/** Where the Stripe SDK sends its requests: Stripe itself by default, or a local test server. */
export interface StripeApiBase {
  readonly protocol: 'http' | 'https';
  readonly host: string;
  readonly port: number;
}

/** Parses a base URL such as `http://127.0.0.1:12111`; throws a message naming `setting` when it is not one. */
export function parseStripeApiBase(value: string, setting: string): StripeApiBase {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${setting}: expected a URL such as http://127.0.0.1:12111, got '${value}'`);
  }
  const protocol = url.protocol.replace(/:$/, '');
  if (protocol !== 'http' && protocol !== 'https') {
    throw new Error(`${setting}: expected an http:// or https:// URL, got '${value}'`);
  }
  // The SDK appends /v1/… to the host; a path, query or credentials here would be silently dropped.
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username) {
    throw new Error(`${setting}: expected only a scheme, host and port such as http://127.0.0.1:12111`);
  }
  const port = url.port === '' ? (protocol === 'https' ? 443 : 80) : Number(url.port);
  return { protocol, host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}
