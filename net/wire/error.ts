/**
 * error.ts — the one error every wire-format parser throws: `WireError` with a `kind`.
 *
 * Rules: parsing outside input (frames, packets, options, address strings) fails only by
 * throwing a WireError, never any other exception, so a caller can catch it and count the
 * drop per kind (like `netstat -s`). Kinds:
 *   - "truncated":   the buffer is shorter than the format or its own length fields need;
 *   - "malformed":   a field holds a value the RFC forbids (IHL < 5, an option length 1...);
 *   - "checksum":    the Internet checksum does not verify;
 *   - "unsupported": well-formed, but not something this stack speaks (ARP for a non-IPv4
 *                    protocol, an ICMP type it does not handle).
 * Emit also throws WireError when a repr cannot be represented or the buffer is too small.
 */

export type WireErrorKind = "truncated" | "malformed" | "checksum" | "unsupported";

/** Every kind, in a fixed order (for counters and reports). */
export const WIRE_ERROR_KINDS: readonly WireErrorKind[] = [
  "truncated",
  "malformed",
  "checksum",
  "unsupported",
];

export class WireError extends Error {
  override readonly name = "WireError";

  constructor(readonly kind: WireErrorKind, message: string) {
    super(message);
  }
}

/** Throws "truncated" unless `buf` holds at least `need` bytes. */
export function needLen(buf: Uint8Array, need: number, what: string): void {
  if (buf.length < need) {
    throw new WireError("truncated", `${what}: ${buf.length} bytes, need ${need}`);
  }
}
