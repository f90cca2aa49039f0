/** How a policy step reached the customer: the channel and template the dashboard groups recoveries by. */
export interface StepContact {
  readonly channel: string;
  readonly template: string;
}

/** The channel and template key of a retry: a charge, not a message. */
export const RETRY_CONTACT: StepContact = { channel: 'retry', template: 'retry' };

/**
 * What each step of a stored policy version sends, by step id: a reminder its channel and template, a webhook
 * step `webhook` (as the engine records its messages), a retry {@link RETRY_CONTACT}. Policy versions are
 * immutable, so this is exactly what the step's messages carried.
 */
export function stepContacts(document: string): Map<string, StepContact> {
  const steps = (JSON.parse(document) as { steps?: unknown }).steps;
  const contacts = new Map<string, StepContact>();
  if (!Array.isArray(steps)) return contacts;
  for (const step of steps as Record<string, unknown>[]) {
    const id = step['id'];
    if (typeof id !== 'string') continue;
    const action = String(step['action']);
    if (action === 'retry') contacts.set(id, RETRY_CONTACT);
    else if (action === 'remind')
      contacts.set(id, { channel: String(step['channel']), template: String(step['template']) });
    else contacts.set(id, { channel: action, template: action });
  }
  return contacts;
}
