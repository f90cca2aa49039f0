/** What one HTTP attempt came to: 2xx is delivered; anything else, or no answer, is retried. */
export interface PostResult {
  readonly delivered: boolean;
  readonly statusCode: number | null;
  readonly error: string | null;
}

/**
 * POSTs a JSON body once, with a timeout. Redirects are not followed (a receiver moved is a receiver to update), and
 * errors never include the URL, which may carry credentials.
 */
export async function postWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<PostResult> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Recoup-Webhooks/1', ...headers },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The body is drained so the connection can be reused; its content is not ours to keep.
    await response.arrayBuffer().catch(() => undefined);
    if (response.status >= 200 && response.status < 300)
      return { delivered: true, statusCode: response.status, error: null };
    return { delivered: false, statusCode: response.status, error: `HTTP ${response.status}` };
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    const reason =
      e.name === 'TimeoutError'
        ? `timed out after ${timeoutMs} ms`
        : (e.cause?.code ?? e.cause?.message ?? e.message);
    return { delivered: false, statusCode: null, error: String(reason).slice(0, 300) };
  }
}
