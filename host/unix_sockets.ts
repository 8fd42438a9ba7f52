/**
 * unix_sockets.ts — host unix-domain stream sockets (AF_LOCAL): listen, accept and
 * connect at a path, for sysproxy's `unix:PATH` servers and their clients.
 *
 * A listener's socket file is made owner-only: it is bound under the process's umask and
 * chmod'ed to 0600 before the first connection is taken, and it is removed when the
 * listener closes. A socket file already at the path is taken over only when nothing
 * listens on it (a server that died left it); a live one is an error, as is any other kind
 * of file there.
 *
 * Permissions (Deno 2.9.6): listening at or connecting to PATH needs net access to
 * "unix:ABSOLUTE-PATH" — that exact path; a directory or pattern is not accepted — or
 * unrestricted --allow-net, and read and write access to PATH.
 *
 * Rules: as host/sockets.ts: promises settle in the host's event loop, never in a fiber;
 * `close` is idempotent and never throws; errors are one-line Errors naming the path.
 */
import { type HostTcpConn, streamConn } from "./sockets.ts";

/** A connected stream socket (the same shape as a TCP one). */
export type HostStreamConn = HostTcpConn;

export interface HostUnixListener {
  readonly path: string;
  /** The next connection; rejects once the listener is closed. */
  accept(): Promise<HostStreamConn>;
  /** Stops listening and removes the socket file. */
  close(): void;
}

/** Listens at `path` (mode 0600); throws a one-line Error when it cannot. */
export async function listenUnix(path: string): Promise<HostUnixListener> {
  let st: Deno.FileInfo | null = null;
  try {
    st = Deno.lstatSync(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw new Error(`${path}: ${(e as Error).message}`);
  }
  if (st) {
    if (!st.isSocket) throw new Error(`${path}: exists and is not a socket`);
    const live = await connectUnix(path).then((c) => (c.close(), true), () => false);
    if (live) throw new Error(`${path}: a server is already listening there`);
    Deno.removeSync(path);
  }
  let l: Deno.UnixListener;
  try {
    l = Deno.listen({ transport: "unix", path });
    Deno.chmodSync(path, 0o600);
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      throw new Error(
        `${path}: no permission for a unix socket: Deno needs --allow-net=unix:${
          absolute(path)
        } (or --allow-net) and read and write access to the path; deno task boot has them`,
      );
    }
    throw new Error(`${path}: ${(e as Error).message}`);
  }
  let closed = false;
  return {
    path,
    async accept() {
      return streamConn(await l.accept());
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        l.close();
      } catch { /* already closed */ }
      try {
        Deno.removeSync(path);
      } catch { /* already gone */ }
    },
  };
}

/** Connects to the socket at `path`; rejects with a one-line Error. */
export async function connectUnix(path: string): Promise<HostStreamConn> {
  try {
    return streamConn(await Deno.connect({ transport: "unix", path }));
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      throw new Error(`${path}: no permission: ${(e as Error).message.split("\n")[0]}`);
    }
    throw new Error(`${path}: ${(e as Error).message.split("\n")[0]}`);
  }
}

function absolute(path: string): string {
  return path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
}
