/**
 * protosw.ts — the protocol switch (NetBSD's sys/protosw.h, sys/domain.h and the lookups
 * of kern/uipc_domain.c): what a protocol offers the layers around it — per-stack init,
 * input from IP, error notifications, and the user requests of its sockets — and the
 * domain that lists a family's protocols.
 *
 * Rules:
 *   - Protocols register into switches; nothing below them imports them. A domain's
 *     `protosw` is a static table (in_proto.ts has inet's); each entry's hooks take the
 *     stack, whose protocol state the protocol keeps on it.
 *   - IP reaches an attached protocol only through ip_protox (`ipProtoAttach`); sockets
 *     reach it only through `pffindproto`, which asks the entries of the socket's type in
 *     table order. An entry with protocol 0 serves any protocol number (raw sockets); one
 *     with no user requests, or none for this stack (not attached), is passed over.
 */
import type { IpProtoEntry, PrCtlinput, PrInput } from "./ip_var.ts";
import type { NetDomain, NetStack } from "./netstack.ts";
import type { PrUsrreqs } from "./socket.ts";

/** One protocol of a domain (struct protosw). */
export interface Protosw {
  /** For listings ("tcp"). */
  readonly name: string;
  /** pr_type: the socket type it serves (SOCK_STREAM ...). */
  readonly type: number;
  /** pr_protocol: its IP protocol number; 0 serves any (raw). */
  readonly protocol: number;
  /** pr_init: makes the protocol's state in a new stack. */
  init?(stack: NetStack): void;
  /** pr_input, once attached to ip_protox. */
  readonly input?: PrInput;
  /** pr_ctlinput, once attached to ip_protox. */
  readonly ctlinput?: PrCtlinput;
  /** pr_usrreqs: its sockets' requests in `stack` for `protocol`; null: none there. */
  usrreqs?(stack: NetStack, protocol: number): PrUsrreqs | null;
}

/** A protocol family (struct domain): its protocols in table order. */
export interface Domain extends NetDomain {
  /** dom_family: AF_INET. */
  readonly family: number;
  readonly protosw: readonly Protosw[];
}

/** Enters `pr` in the stack's ip_protox: IP now hands it its datagrams and errors. */
export function ipProtoAttach(stack: NetStack, pr: Protosw & IpProtoEntry): void {
  stack.ip.protox.set(pr.protocol, pr);
}

/**
 * pffindproto: the user requests for a socket of `type` and `protocol` (0: the type's
 * default) in `dom`, or null when no attached protocol serves them.
 */
export function pffindproto(
  dom: Domain,
  stack: NetStack,
  type: number,
  protocol: number,
): PrUsrreqs | null {
  for (const pr of dom.protosw) {
    if (pr.type !== type || !pr.usrreqs) continue;
    if (pr.protocol !== 0 && protocol !== 0 && protocol !== pr.protocol) continue;
    const u = pr.usrreqs(stack, protocol);
    if (u) return u;
  }
  return null;
}
