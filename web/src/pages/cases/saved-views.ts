
const KEY = 'recoup.cases.saved-views';

/** A named set of case filters a person keeps in this browser. */
export interface SavedView {
  readonly name: string;
  readonly search: string;
}

/** The views saved in this browser, oldest first. */
export function loadViews(): SavedView[] {
  try {
    const parsed = JSON.parse(localStorage.getItem(KEY) ?? '[]') as unknown;
    return Array.isArray(parsed)
      ? parsed.filter((v): v is SavedView => typeof v?.name === 'string' && typeof v?.search === 'string')
      : [];
  } catch {
    return [];
  }
}

/** Saves (or replaces, by name) a view and returns the new list. */
export function saveView(name: string, search: URLSearchParams): SavedView[] {
  const views = [...loadViews().filter((v) => v.name !== name), { name, search: search.toString() }];
  localStorage.setItem(KEY, JSON.stringify(views));
  return views;
}

/** Forgets a view and returns the new list. */
export function deleteView(name: string): SavedView[] {
  const views = loadViews().filter((v) => v.name !== name);
  localStorage.setItem(KEY, JSON.stringify(views));
  return views;
}

