/** The typed views every module reads the shared buffer through; one set per thread. */
export interface Views {
  readonly buffer: ArrayBufferLike;
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly u8: Uint8Array;
  readonly data: DataView;
}

/** `bytes` fixes the views' length (of a growable buffer, which would otherwise be tracked). */
export function viewsOf(buffer: ArrayBufferLike, bytes = buffer.byteLength): Views {
  return {
    buffer,
    i32: new Int32Array(buffer, 0, bytes / 4),
    f64: new Float64Array(buffer, 0, bytes / 8),
    u8: new Uint8Array(buffer, 0, bytes),
    data: new DataView(buffer, 0, bytes),
  };
}
