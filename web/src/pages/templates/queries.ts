import type { QueryClient } from '@tanstack/react-query';

/** Re-reads what a save or reset changes: the template, the list, its history and every preview of it. */
export async function refreshTemplate(client: QueryClient, name: string): Promise<void> {
  await Promise.all([
    client.invalidateQueries({ queryKey: ['template', name] }),
    client.invalidateQueries({ queryKey: ['templates'] }),
    client.invalidateQueries({ queryKey: ['template-versions', name] }),
    // A preview by name renders the saved version, so the one cached before the save is out of date.
    client.invalidateQueries({ queryKey: ['template-preview'] }),
  ]);
}
