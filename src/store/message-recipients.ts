import { fieldContext } from '../security/encrypted-columns.ts';
import type { FieldCipher } from '../security/field-cipher.ts';
import type { Sealed } from '../security/sealed.ts';

// Where a message went is the customer's contact data too: encrypted at rest like the customer's own.

/** Encrypts a message's recipient for storage, bound to the message's id. */
export function sealRecipient(cipher: FieldCipher, messageId: string, recipient: string): Sealed {
  return cipher.seal(recipient, fieldContext('messages', 'recipient', messageId));
}

/** Decrypts a stored message's recipient. */
export function openRecipient(cipher: FieldCipher, message: { id: string; recipient: string }): string {
  return cipher.open(message.recipient, fieldContext('messages', 'recipient', message.id));
}
