/**
 * state.ts — the TCP connection states (RFC 9293 §3.3.2) with NetBSD's numbering
 * (tcp_fsm.h) and the predicates tcp_input uses.
 */

export const TCPS_CLOSED = 0;
export const TCPS_LISTEN = 1;
export const TCPS_SYN_SENT = 2;
export const TCPS_SYN_RECEIVED = 3;
export const TCPS_ESTABLISHED = 4;
export const TCPS_CLOSE_WAIT = 5;
export const TCPS_FIN_WAIT_1 = 6;
export const TCPS_CLOSING = 7;
export const TCPS_LAST_ACK = 8;
export const TCPS_FIN_WAIT_2 = 9;
export const TCPS_TIME_WAIT = 10;

export type TcpState = number;

export const TCP_STATE_NAMES: readonly string[] = [
  "CLOSED",
  "LISTEN",
  "SYN_SENT",
  "SYN_RECEIVED",
  "ESTABLISHED",
  "CLOSE_WAIT",
  "FIN_WAIT_1",
  "CLOSING",
  "LAST_ACK",
  "FIN_WAIT_2",
  "TIME_WAIT",
];

/** A SYN has been received: the connection is synchronized (or about to be). */
export function haveRcvdSyn(s: TcpState): boolean {
  return s >= TCPS_SYN_RECEIVED;
}

/** The three-way handshake has completed. */
export function haveEstablished(s: TcpState): boolean {
  return s >= TCPS_ESTABLISHED;
}

/** The peer's FIN has been received (no more data will arrive). */
export function haveRcvdFin(s: TcpState): boolean {
  return s === TCPS_CLOSE_WAIT || s === TCPS_CLOSING || s === TCPS_LAST_ACK ||
    s === TCPS_TIME_WAIT;
}
