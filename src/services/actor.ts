/**
 * Who asked for a change to a case: a signed-in person, a program with an API key, or an operator at the CLI.
 * Timeline events carry it, so a case's history says who paused, cancelled or noted what, not only why.
 */
export interface Actor {
  readonly kind: 'user' | 'api_key' | 'cli';
  readonly id: string;
  /** How people recognise the actor: an email address, an API key prefix, an operator name. */
  readonly name: string;
}

/** The actor as a timeline event's data stores it. */
export function actorData(actor: Actor): { kind: Actor['kind']; id: string; name: string } {
  return { kind: actor.kind, id: actor.id, name: actor.name };
}
