import type { paths } from '../../api/schema.ts';

/** A template as the list shows it. */
export type TemplateSummary =
  paths['/v1/templates']['get']['responses']['200']['content']['application/json']['data'][number];

/** A template with its Liquid text in every locale. */
export type TemplateDetail =
  paths['/v1/templates/{name}']['get']['responses']['200']['content']['application/json'];

/** The text of one locale as the engine sends it, and whether it is the shipped file or a saved version. */
export type TemplateSource = TemplateDetail['sources'][number];

/** A version saved through the API. */
export type SavedVersion =
  paths['/v1/templates/{name}/locales/{locale}']['put']['responses']['200']['content']['application/json'];

/** One entry of a locale's history: an edit, or a reset to the shipped file. */
export type HistoryEntry =
  paths['/v1/templates/{name}/locales/{locale}/versions']['get']['responses']['200']['content']['application/json']['data'][number];

/** What the preview endpoint takes. */
export type PreviewBody =
  paths['/v1/templates/preview']['post']['requestBody']['content']['application/json'];

/** A rendered message, as a customer would receive it. */
export type Rendered =
  paths['/v1/templates/preview']['post']['responses']['200']['content']['application/json'];

/** The three Liquid parts of a template in one locale. */
export interface Parts {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export type Part = keyof Parts;

export const PART_LABELS: Record<Part, string> = {
  subject: 'Subject',
  text: 'Plain-text body',
  html: 'HTML body',
};
