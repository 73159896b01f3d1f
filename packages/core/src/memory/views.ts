/** The typed views every module reads the shared buffer through; one set per thread. */
export interface Views {
  readonly buffer: ArrayBufferLike;
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly u8: Uint8Array;
  readonly data: DataView;
}

export function viewsOf(buffer: ArrayBufferLike): Views {
  return {
    buffer,
    i32: new Int32Array(buffer),
    f64: new Float64Array(buffer),
    u8: new Uint8Array(buffer),
    data: new DataView(buffer),
  };
}
