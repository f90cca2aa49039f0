/** Bad input to a webhook service function; `field` names the input that is wrong (the API answers 400). */
export class WebhookInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** No webhook subscription has this id (the API answers 404). */
export class SubscriptionNotFoundError extends Error {
  constructor(readonly id: string) {
    super(`no webhook subscription '${id}'`);
  }
}
