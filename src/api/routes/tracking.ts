import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isWebUrl } from '../../channels/email/tracking.ts';
import { trackingSignerFor } from '../../security/tracking-tokens.ts';
import { type TrackedAction, recordTracked } from '../../services/message-tracking.ts';
import { ApiError } from '../http/problem.ts';

// A 1×1 transparent GIF: the smallest image every mail app displays.
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

const TokenParams = Type.Object({
  token: Type.String({ description: 'the tracking token from the email: `<message id>.<signature>`' }),
});

const noSuchLink = () =>
  new ApiError(404, 'not-found', 'no such link', [
    { field: 'path.token', reason: 'unknown link, or its token and URL do not match' },
  ]);

/**
 * The URLs in the emails Recoup sends that tell it a message was opened (its pixel loaded) or clicked (a link
 * followed). Public, as a mail app fetches them with no credentials: what protects them is the HMAC token, and
 * they are not under /v1 because they are no part of the API a client programs against. Reads are never audited.
 */
export const trackingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const signer = () => trackingSignerFor(app.recoup.runtime.deps.cipher.keyring);

  /**
   * Records a first open or click. A HEAD request records nothing (link checkers probe with it), and a failure to
   * record is logged but never stands between a reader and the page they asked for.
   */
  async function record(request: FastifyRequest, messageId: string, action: TrackedAction): Promise<void> {
    if (request.method !== 'GET') return;
    try {
      await recordTracked(app.recoup.runtime.database, messageId, action, app.recoup.now());
    } catch (error) {
      request.log.error({ err: error, messageId, action }, 'could not record an email open or click');
    }
  }

  const privateAndCrossOrigin = (reply: FastifyReply) =>
    reply
      .header('cache-control', 'no-store')
      // Helmet's same-origin default would stop webmail pages on other origins from showing the pixel.
      .header('cross-origin-resource-policy', 'cross-origin');

  app.get(
    '/t/o/:token',
    {
      config: { access: 'public' },
      schema: {
        tags: ['tracking'],
        summary: 'Email open pixel: a 1×1 transparent GIF that records the first time a message was opened',
        description:
          'Any token gets the same image, so the answer tells nothing about which tokens are real; only a ' +
          'genuine one records the open, and only the first open of a message is kept.',
        security: [],
        params: TokenParams,
        response: {
          200: {
            description: 'the image (never cached, so every open reaches the server)',
            content: { 'image/gif': { schema: Type.String({ description: 'a 43-byte GIF' }) } },
          },
          429: Type.Ref('Problem'),
        },
      },
    },
    async (request, reply) => {
      const messageId = signer().verifyOpen(request.params.token);
      if (messageId !== null) await record(request, messageId, 'open');
      return privateAndCrossOrigin(reply).type('image/gif').send(PIXEL);
    },
  );

  app.get(
    '/t/c/:token',
    {
      config: { access: 'public' },
      schema: {
        tags: ['tracking'],
        summary: 'Email click redirect: records the first click of a message and redirects to the link',
        description:
          'Redirects only when the token was made for exactly this message and this URL, so it can never be ' +
          'used to send a reader elsewhere; the first click also counts as an open.',
        security: [],
        params: TokenParams,
        querystring: Type.Object({
          u: Type.String({
            minLength: 1,
            description: 'the http(s) URL the link leads to, as it was in the email',
          }),
        }),
        response: {
          302: {
            description: 'to the link’s URL, in the Location header',
            headers: { location: Type.String({ description: 'the link’s URL' }) },
          },
          400: Type.Ref('Problem'),
          404: Type.Ref('Problem'),
          429: Type.Ref('Problem'),
        },
      },
    },
    async (request, reply) => {
      const destination = request.query.u;
      const messageId = isWebUrl(destination)
        ? signer().verifyClick(request.params.token, destination)
        : null;
      if (messageId === null) throw noSuchLink();
      await record(request, messageId, 'click');
      return privateAndCrossOrigin(reply).redirect(destination, 302);
    },
  );
};
