/**
 * The wire vocabulary of the codec: one tag byte before every value, and the typed array kinds
 * by index. Shared by the encoder (codec.ts) and the decoder (decode.ts), and by nothing else.
 */
export const Tag = {
  undefined: 0,
  null: 1,
  false: 2,
  true: 3,
  number: 4,
  string: 5,
  typed: 6,
  arrayBuffer: 7,
  v8: 8,
  /** A string that is not well-formed UTF-16 (a lone surrogate), as its raw code units. */
  utf16: 9,
  /** [count:u32] then count values. */
  array: 10,
  /** [count:u32] then count pairs of a string key and a value. */
  object: 11,
  /** A BigInt within 64 signed bits. */
  bigint: 12,
  /** A Date, as its time value. */
  date: 13,
  /** [length:u8] then a short string of ASCII characters only, one byte each, copied in a JS loop. */
  ascii: 14,
  /** A number that is an Int32 (and not -0): four bytes instead of eight. */
  int32: 15,
} as const;

export const TYPED_CONSTRUCTORS = [
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array,
  Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array,
] as const;
export type TypedArray = InstanceType<(typeof TYPED_CONSTRUCTORS)[number]>;

/** Index of a typed array's kind, or -1 for a subclass (which structured clone flattens; v8 takes it). */
export function typedKindOf(view: ArrayBufferView): number {
  return TYPED_PROTOTYPES.indexOf(Object.getPrototypeOf(view));
}
const TYPED_PROTOTYPES: readonly object[] = TYPED_CONSTRUCTORS.map((Ctor) => Ctor.prototype);

/** Strings up to this length are tried as ASCII: a loop beats a call into C++ that short. */
export const SHORT_STRING = 32;

/** Whether `value` is written as Tag.int32. */
export function isInt32(value: number): boolean {
  return (value | 0) === value && (value !== 0 || 1 / value > 0);
}

/** Whether a short string is all ASCII, so it is written as Tag.ascii. */
export function isShortAscii(value: string): boolean {
  if (value.length > SHORT_STRING) return false;
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * Upper bound of a string's encoding: a short ASCII one is one byte a character after a two-byte
 * header; any other is bounded at 3 bytes per UTF-16 unit, its worst case in UTF-8 (and more than
 * the 2 of the raw units a string with a lone surrogate is written as).
 */
export function stringBound(value: string): number {
  return isShortAscii(value) ? 2 + value.length : 5 + value.length * 3;
}

/** Bytes a bulk body may be pushed forward to reach an 8-byte boundary. */
export const ALIGN_SLACK = 7;
export const align = (offset: number): number => (offset + 7) & ~7;
