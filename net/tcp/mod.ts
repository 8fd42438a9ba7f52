/**
 * mod.ts — the TCP engine: a TcpStack per host, its connections (Tcb) and listeners,
 * the environment it needs (TcpEnv, or kernelTcpEnv over a Kernel), counters and config,
 * and the application's calls on a connection (usrreq.ts).
 *
 * Rules: the socket layer uses only what this file exports.
 */
export { DEFAULT_TCP_CONFIG, type TcpConfig } from "./config.ts";
export type { TcpEnv, TcpTimer } from "./env.ts";
export { kernelTcpEnv, type KernelTcpEnvOptions } from "./kernel_env.ts";
export { TcpStack } from "./stack.ts";
export * from "./state.ts";
export { TcpStats } from "./stats.ts";
export { respondRst } from "./subr.ts";
export {
  SHUT_RD,
  SHUT_RDWR,
  SHUT_WR,
  Tcb,
  TCP_WOULDBLOCK,
  type TcpConnOptions,
  type TcpHost,
  TcpListener,
  TimeWait,
} from "./tcb.ts";
export {
  tcpAbort,
  tcpDisconnect,
  tcpListenClose,
  tcpRecv,
  tcpSend,
  tcpSetKeepAlive,
  tcpSetNoDelay,
  tcpSetRecvBuffer,
  tcpSetSendBuffer,
  tcpShutdown,
} from "./usrreq.ts";
