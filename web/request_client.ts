/**
 * request_client.ts — the httpd page's request panel, inside the simulation: a small HTTP
 * client app (`webreq`) and the image of the second machine that runs it on the wire to
 * the httpd image, at 10.0.2.2 (the address the user network's gateway has, so httpd's
 * route and access log look as they do from the command line).
 *
 * `webreq HOST PORT` reads request lines `METHOD PATH` from its standard input (COM1:
 * the page feeds them), and for each one connects, sends an HTTP/1.1 request with
 * `Connection: close`, reads the response to EOF, and prints one line: `response
 * <base64 of the whole response>` or `error <message>`. The page decodes that line.
 *
 * Rules: an app sees only the syscall API; a bad request line or a failed connection is an
 * `error` line, and the client goes on reading.
 */
import { AF_INET, type App, SOCK_STREAM, type Sys, type Wait } from "../kernel/syscall/api.ts";
import type { Image } from "../kernel/syscall/image.ts";
import { rumpdev_pci } from "../dev/pci_component.ts";
import { rumpdev_vioif } from "../dev/vioif_component.ts";
import { rumpdev_com } from "../dev/com.ts";
import { rumpnet, rumpnet_net, rumpnet_netinet } from "../net/netinet_init.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** The methods the panel offers (RFC 9110 §9). */
export const METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE"] as const;

function* print(sys: Sys, s: string): Wait {
  const b = enc.encode(s);
  for (let off = 0; off < b.length;) off += yield* sys.write(1, b.subarray(off));
}

function base64(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

function* request(sys: Sys, host: string, port: number, line: string): Wait<string> {
  const m = /^([A-Z]+) (\/\S*)$/.exec(line);
  if (!m || !(METHODS as readonly string[]).includes(m[1])) {
    return `error "${line}" is not METHOD /PATH (methods: ${METHODS.join(", ")})`;
  }
  const fd = sys.socket(AF_INET, SOCK_STREAM, 0);
  try {
    yield* sys.connect(fd, { addr: host, port });
    const req = `${m[1]} ${m[2]} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: rumpsim-web\r\n` +
      `Connection: close\r\n${
        m[1] === "POST" || m[1] === "PUT" ? "Content-Length: 0\r\n" : ""
      }\r\n`;
    const out = enc.encode(req);
    for (let off = 0; off < out.length;) off += yield* sys.write(fd, out.subarray(off));
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const buf = new Uint8Array(16384);
      const n = yield* sys.read(fd, buf);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
    }
    const all = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) {
      all.set(c, off);
      off += c.length;
    }
    return `response ${base64(all)}`;
  } catch (e) {
    return `error ${host}:${port}: ${(e as Error).message}`;
  } finally {
    yield* sys.close(fd);
  }
}

function* main(sys: Sys, argv: string[]): Wait<number> {
  const host = argv[1] ?? "10.0.2.15";
  const port = Number(argv[2] ?? "80");
  let pending = "";
  const buf = new Uint8Array(512);
  for (;;) {
    const n = yield* sys.read(0, buf);
    if (n === 0) return 0;
    pending += dec.decode(buf.subarray(0, n), { stream: true });
    let nl: number;
    while ((nl = pending.search(/[\r\n]/)) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line) yield* print(sys, (yield* request(sys, host, port, line)) + "\n");
    }
  }
}

export const webreq: App = { name: "webreq", main, summary: "the web page's HTTP client" };

/** The second machine of the httpd page: webreq on 10.0.2.2, reading COM1. */
export const requestClientImage: Image = {
  name: "webreq",
  description: "the request panel's HTTP client on 10.0.2.2",
  components: [rumpdev_pci, rumpdev_com, rumpdev_vioif, rumpnet, rumpnet_net, rumpnet_netinet],
  apps: [{ app: webreq, argv: ["10.0.2.15", "80"] }],
  config: {
    hostname: "client",
    net: [{ if: "vioif0", method: "static", addr: "10.0.2.2", mask: "255.255.255.0" }],
  },
};
