/**
 * base64.ts — host bytes as base64 text and back: for the literals the bakes generate and
 * for the bytes a recording logs (record.ts, record_net.ts).
 *
 * Rules: encoding works in slices, so a large buffer never overflows the call stack;
 * decoding text that is not base64 throws (atob's DOMException), which callers turn into
 * their one-line error.
 */

/** `b` as base64. */
export function encodeBase64Bytes(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 0x8000) {
    s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/** The bytes of base64 text `s`. */
export function decodeBase64Bytes(s: string): Uint8Array {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}
