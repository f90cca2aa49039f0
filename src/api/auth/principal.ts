import type { KeyScope, Role } from '../../store/schema/api.ts';
import type { Permission } from './permissions.ts';

/** Who is calling: a signed-in person (cookie session) or a program (API key). */
export type Principal =
  | {
      readonly kind: 'user';
      readonly id: string;
      readonly email: string;
      readonly role: Role;
      readonly sessionId: string;
      readonly csrfToken: string;
      readonly grants: ReadonlySet<Permission>;
    }
  | {
      readonly kind: 'api_key';
      readonly id: string;
      readonly prefix: string;
      readonly scope: KeyScope;
      readonly grants: ReadonlySet<Permission>;
    };
