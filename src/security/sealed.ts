declare const sealed: unique symbol;

/**
 * A value encrypted for storage (`enc:v1:…`, see ciphertext.ts). Columns that hold personal data are typed with it,
 * so writing a plain string there is a compile error: every writer has to go through a FieldCipher.
 */
export type Sealed = string & { readonly [sealed]: true };
