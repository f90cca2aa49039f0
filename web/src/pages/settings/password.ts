// No look-alikes (0/O, 1/l/I), so a password read out or copied by hand survives.
const ALPHABET = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A random 20-character password from the browser's CSPRNG (about 117 bits), for a new user's first sign-in. */
export function generatePassword(length = 20): string {
  const bytes = new Uint32Array(length);
  crypto.getRandomValues(bytes);
  // 2^32 is not a multiple of 57, but the bias is below one in 75 million per character.
  return Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join('');
}
