/**
 * util.ts (tests) — shared set-ups for the TCP engine tests: an established pair, flag
 * predicates and the constants tests name.
 */
import { TCPS_ESTABLISHED } from "../../../net/tcp/state.ts";
import type { Tcb, TcpConnOptions, TcpListener, TimeWait } from "../../../net/tcp/tcb.ts";
import type { TcpStack } from "../../../net/tcp/stack.ts";
import { type TcpRepr, TH_ACK, TH_FIN, TH_RST, TH_SYN } from "../../../net/wire/tcp.ts";
import { Net, type NetOptions } from "./harness.ts";

export const CPORT = 40000;
export const SPORT = 80;

export const isSyn = (s: TcpRepr) => (s.flags & (TH_SYN | TH_ACK)) === TH_SYN;
export const isSynAck = (s: TcpRepr) => (s.flags & (TH_SYN | TH_ACK)) === (TH_SYN | TH_ACK);
export const isRst = (s: TcpRepr) => (s.flags & TH_RST) !== 0;
export const isFin = (s: TcpRepr) => (s.flags & TH_FIN) !== 0;
export const isData = (s: TcpRepr) => s.payload.length > 0;
export const isPureAck = (s: TcpRepr) => s.flags === TH_ACK && s.payload.length === 0;

export interface Pair {
  net: Net;
  l: TcpListener;
  c: Tcb;
  s: Tcb;
}

/** A client on A connected to a listener on B (port 80), accepted. */
export function establish(
  opts: NetOptions = {},
  copts: TcpConnOptions = {},
  sopts: TcpConnOptions = {},
): Pair {
  const net = new Net(opts);
  const l = net.b.stack.listen(net.b.addr, SPORT, 8, sopts);
  const c = net.a.stack.connect(net.a.addr, CPORT, net.b.addr, SPORT, copts);
  if (!net.run(() => c.state === TCPS_ESTABLISHED && l.pending > 0, 60e9)) {
    throw new Error(`no connection: client ${c.stateName}`);
  }
  const s = l.accept()!;
  net.log.length = 0;
  return { net, l, c, s };
}

/** The TIME-WAIT record holding closed connection `c`'s tuple in `stack`, or null. */
export function timeWaitFor(stack: TcpStack, c: Tcb): TimeWait | null {
  return stack.lookupTimeWait(c.laddr, c.lport, c.faddr, c.fport);
}
