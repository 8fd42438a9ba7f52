/**
 * guest_rig.ts (test support) — a guest kernel (10.0.2.15/24 via 10.0.2.2, realtime,
 * owning the scheduler) with a vioif0 on the user network's cable, its frames taken in by
 * a receive thread. The gateway tests and the NAT tests put a gateway on the far end.
 */
import { UserNetdev } from "../../slirp/plan.ts";
import { Kernel } from "../../kernel/kern/kernel.ts";
import { createHostedPlatform, type HostedPlatform } from "../../platform/hosted/platform.ts";
import { netConfigure, netinetInit } from "../../net/netinet_init.ts";
import { netstack } from "../../net/netstack.ts";
import { MacAddr } from "../../net/wire/mod.ts";

export interface GuestOnCable {
  p: HostedPlatform;
  guest: Kernel;
  cable: UserNetdev;
}

export function guestOnCable(): GuestOnCable {
  const p = createHostedPlatform({ realtime: true, hostname: "guest", console: () => {} });
  const guest = new Kernel(p);
  guest.startThreads();
  netinetInit(guest);
  const cable = new UserNetdev(null);
  const rxq: Uint8Array[] = [];
  const mtx = guest.mutex("rx"), cv = guest.cv("rx");
  const ifp = netstack(guest).attach({
    name: "vioif0",
    type: "ether",
    mac: MacAddr.parse("52:54:00:12:34:56"),
    transmit: (f) => void cable.guest.send(f),
  });
  cable.guest.connect({ receive: (f) => (rxq.push(f), cv.signal()) });
  guest.threadCreate("rx", function* () {
    for (;;) {
      yield* mtx.enter();
      while (rxq.length === 0) yield* cv.wait(mtx);
      mtx.exit();
      while (rxq.length) ifp.input(rxq.shift()!);
    }
  });
  netConfigure(guest, { ifname: "vioif0", addr: "10.0.2.15/24", gateway: "10.0.2.2" });
  return { p, guest, cable };
}
