import { trackingSignerFor } from '../../../src/security/tracking-tokens.ts';
import type { ApiWorld } from '../../support/api.ts';
import type { Fixtures, RouteExample } from './route-example.ts';

const DESTINATION = 'https://pay.example.com/cases/example';
// Set by `prepare`, which runs before `url`: a token needs the world's keyring and the fixture case's message.
let tokens = { open: '', click: '' };

/** Signs tracking tokens for the day-0 reminder the engine sent when the fixtures' case opened. */
async function signForFixtureMessage(api: ApiWorld, f: Fixtures): Promise<void> {
  const { runtime } = api.world;
  const message = await runtime.database.db
    .selectFrom('messages')
    .select('id')
    .where('case_id', '=', f.caseId)
    .where('channel', '=', 'email')
    .executeTakeFirstOrThrow();
  const signer = trackingSignerFor(runtime.deps.cipher.keyring);
  tokens = { open: signer.openToken(message.id), click: signer.clickToken(message.id, DESTINATION) };
}

/** Examples for the public email tracking URLs (open pixel, click redirect). */
export const trackingExamples: RouteExample[] = [
  {
    method: 'GET',
    path: '/t/o/{token}',
    prepare: signForFixtureMessage,
    url: () => `/t/o/${tokens.open}`,
    status: 200,
  },
  {
    method: 'GET',
    path: '/t/c/{token}',
    prepare: signForFixtureMessage,
    url: () => `/t/c/${tokens.click}?u=${encodeURIComponent(DESTINATION)}`,
    status: 302,
  },
];
