/**
 * web_page_bulk.ts — the world bench/web_page.ts runs in the page and in Deno: net-demo's two
 * machines with apps/bulk.ts sending `mib` MiB from 10.0.0.2 to 10.0.0.1:9000 (what
 * bench/net_bulk.ts runs). Browser-safe: it is bundled into a page worker.
 */
import { bulk } from "../apps/bulk.ts";
import { client, server } from "../images/net_demo.ts";
import type { World } from "../rumprun/world.ts";

export function bulkWorld(mib: number): World {
  return {
    kind: "world",
    name: "bulk",
    description: `bulk TCP, ${mib} MiB`,
    machines: [
      {
        name: "recv",
        image: { ...server, apps: [{ app: bulk, argv: ["recv", "9000"] }] },
        mac: "52:54:00:00:00:01",
      },
      {
        name: "send",
        image: {
          ...client,
          apps: [{ app: bulk, argv: ["send", "10.0.0.1", "9000", String(mib * 1024 * 1024)] }],
        },
        mac: "52:54:00:00:00:02",
      },
    ],
  };
}
