/**
 * httpd.ts — the httpd image, what `deno task boot` boots with no arguments: httpd on
 * port 80 serving a small site baked into the image's root tree (rumprun's cookfs), on
 * vioif0 10.0.2.15/24 with the gateway 10.0.2.2 — the user netdev's plan, so that
 * `--hostfwd tcp:127.0.0.1:8080-:80` (the CLI's default for this image) reaches it.
 *
 * The site (`SITE`): an index page about rumpsim, a 256 KiB file (many segments at any
 * MSS), a text file, and a directory with a page of its own and a file (a generated
 * listing when there is no index.html). Tests fetch every file of `SITE` and compare bytes.
 *
 * Rules: only the components httpd needs are linked: the network (vioif on PCI), the VFS
 * with its tmpfs root, kernfs and cookfs; the site's files have a fixed mtime, so
 * Last-Modified is the same in every run.
 */
import { httpd } from "../apps/httpd/main.ts";
import { packUstar, type UstarEntry } from "../fs/archive/ustar.ts";
import { rumpfs_cookfs } from "../fs/cookfs.ts";
import { rumpfs_kernfs, rumpvfs } from "../fs/vfs_init.ts";
import { rumpdev_pci } from "../dev/pci_component.ts";
import { rumpdev_vioif } from "../dev/vioif_component.ts";
import type { Image } from "../kernel/syscall/image.ts";
import { rumpnet, rumpnet_net, rumpnet_netinet } from "../net/netinet_init.ts";

/** 2024-01-01T00:00:00Z: every file's mtime. */
export const SITE_MTIME_SEC = 1704067200;
/** The document root inside the guest. */
export const DOCROOT = "/www";

const INDEX_HTML = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>rumpsim</title></head>
<body>
<h1>rumpsim</h1>
<p>This page was served by <b>httpd</b> running on a rump kernel on a simulated PC:
a NetBSD-style TCP/IP stack, a VFS with tmpfs, a virtio-net NIC and its vioif driver,
all in TypeScript on Deno. With the default user-mode network your request came through
the host's loopback port, the gateway (itself a rump kernel on the hosted platform,
running the same network code) and a simulated Ethernet cable to the guest 10.0.2.15;
with <code>--netdev tap</code>, through a Linux tap device.</p>
<ul>
<li><a href="/big.bin">big.bin</a> — 256 KiB, many TCP segments</li>
<li><a href="/hello.txt">hello.txt</a></li>
<li><a href="/docs/">docs/</a> — a directory</li>
<li><a href="/kern/">/kern</a> is not served: the document root is ${DOCROOT}</li>
</ul>
</body>
</html>
`;

const DOCS_HTML = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>rumpsim docs</title></head>
<body><h1>docs</h1><p>A directory with an index page. See also
<a href="/docs/notes/">notes/</a>, which has none and gets a listing.</p></body></html>
`;

/** 256 KiB of a fixed pattern: every byte depends on its offset, so a misplaced segment shows. */
function bigFile(): Uint8Array {
  const b = new Uint8Array(256 * 1024);
  let x = 0x2545f491;
  for (let i = 0; i < b.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = (x ^ i) & 0xff;
  }
  return b;
}

const enc = new TextEncoder();

/** Every file of the site: URL path → bytes. */
export const SITE: Record<string, Uint8Array> = {
  "/index.html": enc.encode(INDEX_HTML),
  "/big.bin": bigFile(),
  "/hello.txt": enc.encode("hello from rumpsim\n"),
  "/docs/index.html": enc.encode(DOCS_HTML),
  "/docs/notes/readme.txt": enc.encode("a file in a directory without an index page\n"),
};

/** The site as the root tree's entries under DOCROOT. */
function siteTree(): UstarEntry[] {
  const dirs = new Set<string>();
  const files: UstarEntry[] = [];
  for (const [p, data] of Object.entries(SITE)) {
    const path = DOCROOT.slice(1) + p;
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
    files.push({ path, type: "file", mode: 0o644, mtimeSec: SITE_MTIME_SEC, data });
  }
  return [
    ...[...dirs].sort().map((path): UstarEntry => ({
      path,
      type: "dir",
      mode: 0o755,
      mtimeSec: SITE_MTIME_SEC,
    })),
    ...files,
  ];
}

export const image: Image = {
  name: "httpd",
  description: "httpd serving a small site on 10.0.2.15:80 (user netdev, hostfwd 8080)",
  components: [
    rumpdev_pci,
    rumpdev_vioif,
    rumpnet,
    rumpnet_net,
    rumpnet_netinet,
    rumpvfs,
    rumpfs_kernfs,
    rumpfs_cookfs,
  ],
  apps: [{ app: httpd, argv: ["-p", "80", "-d", DOCROOT] }],
  config: {
    hostname: "httpd",
    net: [{
      if: "vioif0",
      method: "static",
      addr: "10.0.2.15",
      mask: "255.255.255.0",
      gw: "10.0.2.2",
    }],
    hosts: { "gateway.rumpsim": "10.0.2.2", "httpd.rumpsim": "10.0.2.15" },
  },
  root: packUstar(siteTree()),
};
