/**
 * A change to an invoice or payment method that cannot be made as asked. `field` names the input at fault as the
 * caller sent it (`amount`, `customer_id`), or `id` when the object's own state is the obstacle (paying a void
 * invoice); `status` says whether the input is bad (400) or conflicts with what is stored (409). The API turns
 * it into problem+json, the CLI into a message naming the field.
 */
export class BillingInputError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
    readonly status: 400 | 409 = 400,
  ) {
    super(`${field}: ${reason}`);
  }
}
