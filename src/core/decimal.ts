// Numbers typed as text (CLI flags, JSON strings): decimal only. Number() also reads "0x10" as 16, "0b11" as 3,
// "1e1" as 10 and "" as 0, none of which a person means by a count, an id or seconds.

/** A whole number in decimal digits (optional sign, surrounding spaces). */
export const DECIMAL_INT = /^\s*[+-]?\d+\s*$/;
/** A decimal number: digits with an optional fraction (".5" and "2." too); no exponent, hex, binary or octal. */
export const DECIMAL = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)\s*$/;

/** `text` as a number when it is decimal, else NaN (so the caller's range check refuses it with its own message). */
export function decimal(text: string | undefined): number {
  return text !== undefined && DECIMAL.test(text) ? Number(text) : NaN;
}
