/**
 * _syn_flood.ts — a flood of TCP SYNs from spoofed, silent sources, sent by Linux through
 * a raw socket (a small Python helper: Deno has no raw sockets). The sources are in
 * 198.18.0.0/15 (RFC 2544's benchmarking range), so a guest with no route there never
 * gets an answer to its SYN-ACKs: every SYN is a half-open connection.
 *
 * Rules: a helper for syn_flood_tap.ts and load_cases.ts, not a benchmark. Needs root and
 * python3; `dst` must be an address reached through a device the caller made (a tap), so
 * the packets go nowhere else. The same `seed` sends the same packets.
 */

const FLOOD_PY = `
import socket, struct, random, sys
n = int(sys.argv[1]); dst = sys.argv[2]; dport = int(sys.argv[3]); seed = int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
def csum(b):
    if len(b) % 2: b += b"\\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16: t = (t & 0xffff) + (t >> 16)
    return ~t & 0xffff
d = socket.inet_aton(dst)
rng = random.Random(seed)
for i in range(n):
    src = struct.pack("!BBH", 198, 18 + (i >> 16 & 1), i & 0xffff)
    sport = 1024 + rng.randrange(60000)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, rng.getrandbits(32), 0, 5 << 4, 0x02, 65535, 0, 0)
    c = csum(src + d + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), i & 0xffff, 0, 64, 6, 0, src, d)
    s.sendto(ip + tcp, (dst, 0))
`;

/** Sends `n` spoofed SYNs to `dst`:`port`; resolves when all are sent (throws on failure). */
export async function synFlood(n: number, dst: string, port = 80, seed = 7): Promise<void> {
  const py = await Deno.makeTempFile({ suffix: ".py" });
  try {
    await Deno.writeTextFile(py, FLOOD_PY);
    const o = await new Deno.Command("python3", {
      args: [py, String(n), dst, String(port), String(seed)],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!o.success) {
      throw new Error(`the SYN flood failed: ${new TextDecoder().decode(o.stderr).trim()}`);
    }
  } finally {
    await Deno.remove(py);
  }
}
