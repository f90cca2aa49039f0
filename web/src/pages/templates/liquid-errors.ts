import { ApiProblem } from '../../api/client.ts';
import { PART_LABELS, type Part } from './types.ts';

/** A preview that did not render: the part at fault (null when it is not the text) and what to do. */
export interface RenderProblem {
  readonly part: Part | null;
  readonly message: string;
}

// LiquidJS's own words come first, then what an editor should change, so the fix is clear without Liquid docs.
const ADVICE: readonly [RegExp, (m: RegExpExecArray) => string][] = [
  [/^output .* not closed/, () => 'Close the output with }}.'],
  [/^tag .* not closed/, () => 'Add its closing tag, e.g. {% endif %}, {% endfor %} or {% endblock %}.'],
  [
    /^tag "end(\w+)" not found/,
    (m) => `No {% ${m[1]} %} is open here: remove the {% end${m[1]} %} or add the opening tag.`,
  ],
  [
    /^tag "([^"]+)" not found/,
    (m) =>
      `"${m[1]}" is not a Liquid tag: check its spelling (if, unless, for, case, assign, include, block).`,
  ],
  [
    /^undefined filter: (\S+)/,
    (m) => `"${m[1]}" is not a filter: use a Liquid filter, or money and localdate.`,
  ],
  [/Failed to lookup/, () => 'The included file does not exist: partials live in _partials/<locale>/.'],
];

/** A LiquidJS error reason in plain words: where it is, what is wrong, how to fix it. */
export function explainLiquid(reason: string): string {
  const at = /,?\s*line:(\d+), col:(\d+)\s*$/.exec(reason);
  // The server's template folder means nothing in a browser.
  const what = (at ? reason.slice(0, at.index) : reason)
    .replace(/ in "\/[^"]*"/, '')
    .replace(/^ENOENT: /, '');
  const where = at ? `Line ${at[1]}, column ${at[2]}: ` : '';
  for (const [pattern, advice] of ADVICE) {
    const match = pattern.exec(what);
    if (match) return `${where}${what}. ${advice(match)}`;
  }
  return `${where}${what}.`;
}

/**
 * What a failed preview or save means for the editor: which part to fix and how, or a general message. A
 * preview names the part as `body.source.<part>`, a save (422) as `body.<part>`.
 */
export function renderProblem(error: unknown): RenderProblem {
  if (!(error instanceof ApiProblem))
    return { part: null, message: String((error as Error)?.message ?? error) };
  for (const part of Object.keys(PART_LABELS) as Part[]) {
    const reason = error.reasonFor(`body.source.${part}`) ?? error.reasonFor(`body.${part}`);
    if (reason) return { part, message: `${PART_LABELS[part]}: ${explainLiquid(reason)}` };
  }
  const sample = error.errors.find((e) => e.field.startsWith('body.data'));
  if (sample)
    return {
      part: null,
      message: `Sample data ${sample.field.slice('body.data.'.length)}: ${sample.reason}.`,
    };
  return { part: null, message: error.message };
}
