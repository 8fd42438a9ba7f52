/**
 * user_net_test.ts — `--netdev user` put together on the simulated PC (realtime): a guest
 * app reaching a host server through 10.0.2.2 (the outbound NAT), and the default httpd
 * image serving through hostfwd with `--loss` faults on the cable between NIC and gateway.
 */
import assert from "node:assert/strict";
import { wget } from "../../apps/wget.ts";
import { DOCROOT, image as httpdImage, SITE } from "../../images/httpd.ts";
import { rumpdev_pci } from "../../dev/pci_component.ts";
import { rumpdev_vioif } from "../../dev/vioif_component.ts";
import type { Image } from "../../kernel/syscall/image.ts";
import type { Booted } from "../../rumprun/boot.ts";
import { runImage } from "../../rumprun/run.ts";
import { hostRealtime } from "../../host/realtime.ts";
import { rumpnet, rumpnet_net, rumpnet_netinet } from "../../net/netinet_init.ts";
import { attachUserNet, type UserNet } from "../../cli/user_net.ts";

const OPTS = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  ...OPTS,
  name: "user netdev: wget in the guest fetches a page from a host server through 10.0.2.2",
  async fn() {
    const page = "served by Deno on the host's loopback\n";
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      () => new Response(page),
    );
    const image: Image = {
      name: "wget-host",
      description: "wget from the host through the user netdev",
      components: [rumpnet, rumpnet_net, rumpnet_netinet, rumpdev_pci, rumpdev_vioif],
      apps: [{ app: wget, argv: [`http://10.0.2.2:${server.addr.port}/`] }],
      config: {
        net: [{
          if: "vioif0",
          method: "static",
          addr: "10.0.2.15",
          mask: "255.255.255.0",
          gw: "10.0.2.2",
        }],
      },
    };
    let out = "";
    const dec = new TextDecoder();
    let un!: UserNet;
    try {
      const r = await runImage(image, {
        mode: "realtime",
        host: hostRealtime(),
        console: (b) => (out += dec.decode(b, { stream: true })),
        onBoot: (b) => void (un = attachUserNet(b, {})),
      });
      assert.equal(r.status, 0, out);
      assert.match(out, /200 OK/);
      assert.ok(out.includes(page.trim()), out); // the console ends lines with CR LF
      assert.equal(un.gateway.nat!.stats.tcp.accepted, 1);
    } finally {
      un?.gateway.close();
      await server.shutdown();
    }
  },
});

Deno.test({
  ...OPTS,
  name: "user netdev: with 5% loss the default image still serves its pages, and frames are lost",
  async fn() {
    let un!: UserNet, booted!: Booted;
    const run = runImage(httpdImage, {
      mode: "realtime",
      host: hostRealtime(),
      seed: 3,
      argv: ["-p", "80", "-d", DOCROOT],
      console: () => {},
      onBoot: (b) => {
        booted = b;
        un = attachUserNet(b, {
          seed: 3,
          fault: { loss: 0.05 },
          hostfwd: [{
            proto: "tcp",
            hostAddr: "127.0.0.1",
            hostPort: 0,
            guestAddr: "10.0.2.15",
            guestPort: 80,
          }],
        });
      },
    });
    try {
      const port = un.gateway.listeners[0].addr.port;
      const get = async (path: string): Promise<Uint8Array | null> => {
        try {
          const r = await fetch(`http://127.0.0.1:${port}${path}`);
          const b = new Uint8Array(await r.arrayBuffer());
          return r.status === 200 ? b : null;
        } catch {
          return null; // not listening yet, or a connection lost to the faults: again
        }
      };
      for (const path of ["/index.html", "/big.bin"]) {
        let body: Uint8Array | null = null;
        for (let i = 0; i < 100 && body === null; i++) {
          body = await get(path);
          if (body === null) await new Promise((res) => setTimeout(res, 20));
        }
        assert.ok(body, `GET ${path}`);
        assert.deepEqual(body, SITE[path], path);
      }
      const tx = un.fault!.stats("tx"), rx = un.fault!.stats("rx");
      assert.ok(tx.frames > 100 && rx.frames > 100, `${tx.frames} ${rx.frames} frames`);
      assert.ok(tx.lost + rx.lost > 0, "frames were lost");
      assert.equal(tx.delivered, tx.frames - tx.lost);
    } finally {
      un.gateway.close();
      booted.user.exitStatus ??= 0;
      booted.machine.halt("test over");
      await run;
    }
  },
});
