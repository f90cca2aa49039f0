import type { TemplateOverrideSource } from '../channels/templates/overrides.ts';
import { type Database, type Db, writeTransaction } from './database.ts';
import type { TemplateActorType, TemplateVersionRow } from './schema/template-versions.ts';

/** The three Liquid parts of a saved version; null for a "reset to shipped" marker. */
export interface SavedParts {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** A version with who saved it, named as people recognise them (an email, an API key's prefix). */
export interface TemplateVersionEntry extends TemplateVersionRow {
  readonly actor_name: string;
}

// PostgreSQL runs two saves of the same (name, locale) side by side; the second one's version number collides
// on the unique index and is worked out again. SQLite's write lock already queues them.
const SAVE_ATTEMPTS = 3;

/** A cheap fingerprint of the whole table: it changes whenever a version is added (rows are never changed). */
export async function templateVersionsStamp(db: Db): Promise<string> {
  const row = await db
    .selectFrom('template_versions')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max<number>('created_at').as('at')])
    .executeTakeFirstOrThrow();
  return `${Number(row.n)}:${row.at === null ? '' : Number(row.at)}`;
}

/** The newest version of every (name, locale) that has one, markers included. */
export async function currentTemplateVersions(db: Db): Promise<TemplateVersionRow[]> {
  return db
    .selectFrom('template_versions as t')
    .selectAll('t')
    .where(({ eb, selectFrom }) =>
      eb(
        't.version',
        '=',
        selectFrom('template_versions as u')
          .select((e) => e.fn.max<number>('u.version').as('v'))
          .whereRef('u.name', '=', 't.name')
          .whereRef('u.locale', '=', 't.locale'),
      ),
    )
    .orderBy('t.name')
    .orderBy('t.locale')
    .execute();
}

/**
 * Appends a version of (name, locale) unless the newest one already says the same (the same parts, or both
 * "shipped": a marker or no version at all), so repeating a save or a reset adds nothing. Returns the newest
 * version afterwards (undefined when there is none) and whether this call added it.
 */
export async function appendTemplateVersion(
  database: Database,
  input: {
    id: string; // the new row's id, if one is added
    name: string;
    locale: string;
    parts: SavedParts | null;
    actor: { type: TemplateActorType; id: string };
    now: number;
  },
): Promise<{ row: TemplateVersionRow | undefined; appended: boolean }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await writeTransaction(database, async (trx) => {
        const latest = await trx
          .selectFrom('template_versions')
          .selectAll()
          .where('name', '=', input.name)
          .where('locale', '=', input.locale)
          .orderBy('version', 'desc')
          .limit(1)
          .executeTakeFirst();
        if (sameParts(latest ? partsOf(latest) : null, input.parts)) return { row: latest, appended: false };
        const row: TemplateVersionRow = {
          id: input.id,
          name: input.name,
          locale: input.locale,
          version: (latest?.version ?? 0) + 1,
          subject: input.parts?.subject ?? null,
          text: input.parts?.text ?? null,
          html: input.parts?.html ?? null,
          created_at: input.now,
          actor_type: input.actor.type,
          actor_id: input.actor.id,
        };
        await trx.insertInto('template_versions').values(row).execute();
        return { row, appended: true };
      });
    } catch (error) {
      if (attempt >= SAVE_ATTEMPTS || (error as { code?: unknown }).code !== '23505') throw error;
    }
  }
}

/** The saved versions as the renderer reads them: the change check and the newest version of each locale. */
export function templateOverrideSource(db: Db): TemplateOverrideSource {
  return {
    stamp: () => templateVersionsStamp(db),
    current: async () =>
      (await currentTemplateVersions(db)).map((row) => ({
        name: row.name,
        locale: row.locale,
        version: Number(row.version),
        parts: partsOf(row),
      })),
  };
}

/** Every version of (name, locale), newest first, with who saved each. */
export async function templateVersionHistory(
  db: Db,
  name: string,
  locale: string,
): Promise<TemplateVersionEntry[]> {
  const rows = await db
    .selectFrom('template_versions as t')
    .leftJoin('users as u', (j) => j.onRef('u.id', '=', 't.actor_id').on('t.actor_type', '=', 'user'))
    .leftJoin('api_keys as k', (j) => j.onRef('k.id', '=', 't.actor_id').on('t.actor_type', '=', 'api_key'))
    .selectAll('t')
    .select(['u.email as user_email', 'k.prefix as key_prefix'])
    .where('t.name', '=', name)
    .where('t.locale', '=', locale)
    .orderBy('t.version', 'desc')
    .execute();
  return rows.map(({ user_email, key_prefix, ...row }) => ({
    ...row,
    version: Number(row.version),
    created_at: Number(row.created_at),
    actor_name: user_email ?? (key_prefix === null ? row.actor_id : `API key ${key_prefix}`),
  }));
}

/** A row's parts, or null for a marker. */
export function partsOf(row: Pick<TemplateVersionRow, 'subject' | 'text' | 'html'>): SavedParts | null {
  if (row.subject === null || row.text === null || row.html === null) return null;
  return { subject: row.subject, text: row.text, html: row.html };
}

function sameParts(a: SavedParts | null, b: SavedParts | null): boolean {
  if (a === null || b === null) return a === b;
  return a.subject === b.subject && a.text === b.text && a.html === b.html;
}
