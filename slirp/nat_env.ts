/**
 * nat_env.ts — what the NAT's two halves (nat_tcp.ts, nat_udp.ts) share with the NAT that
 * owns them (nat.ts): the host address guest traffic to the gateway goes to, and what
 * they need of the gateway.
 *
 * Rules: a leaf: the halves import this, never nat.ts, so the NAT and its halves form no
 * import circle.
 */
import type { NetStack } from "../net/netstack.ts";
import type { Ipv4Addr } from "../net/wire/mod.ts";
import type { RelayEnv } from "./relay.ts";

/** The host address guest traffic to the gateway goes to: the host's loopback, only. */
export const NAT_HOST_ADDR = "127.0.0.1";

/** What the NAT's halves need of the gateway. */
export interface NatEnv extends Omit<RelayEnv, "stats"> {
  stack: NetStack;
  /** The gateway address the NAT answers for (10.0.2.2). */
  gateway: Ipv4Addr;
  /** Runs `fn` on the natd thread (kernel context) from host context. */
  kpost(fn: () => void): void;
}
