/**
 * A change that cannot be made as asked. `field` names the input at fault as the caller sent it (`amount`,
 * `customer_id`), or `id` when the object itself is the obstacle (paying a void invoice, a customer that is not
 * there); `status` says which: bad input (400), no such object (404), or a conflict with what is stored (409). The
 * API answers it as problem+json naming the field, the CLI with one line naming it.
 */
export class InputError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
    readonly status: 400 | 404 | 409 = 400,
  ) {
    super(`${field}: ${reason}`);
  }
}
