/**
 * server.ts — the httpd server loop, thttpd-style: ONE fiber running an event loop over
 * non-blocking sockets — the listening socket and every connection — on a kqueue
 * (kevent(2), thttpd's fdwatch on kqueue), so a turn costs what happened in it: the
 * connections that became ready and the deadlines that came due, never a scan of every
 * open connection (ten thousand idle clients cost nothing per turn).
 *
 * Rules it keeps:
 * - Nothing but file-system lookups ever waits inside the loop: sockets are O_NONBLOCK,
 *   reads and writes stop at EAGAIN, and the only sleep is kevent's.
 * - Interest is registered once per connection (EVFILT_READ and EVFILT_WRITE, added
 *   disabled at accept) and then only switched on and off as the connection's needs
 *   change (EV_ENABLE/EV_DISABLE), the changes going in with the next kevent call. Each
 *   connection's kevent `udata` is its own serial number, so an event for a connection
 *   closed earlier in the same turn is recognised and dropped.
 * - Connections are limited by the descriptors the process may have (`maxConns` 0, the
 *   default) or by `maxConns`. At the limit the longest-idle keep-alive connection (no
 *   request begun, nothing to send) is closed to make room, as nginx reuses idle
 *   connections (RFC 9112 §9.8 lets a server close an idle connection at any time). With
 *   none idle, a client past the limit is still never left in silence: it is accepted
 *   and answered 503 Service Unavailable, then closed after a short linger. When
 *   accept fails for want of a descriptor (EMFILE), the one spare descriptor the server
 *   keeps (a dup of the listening socket, nginx's and libev's trick) is given up to accept
 *   that client for its 503 and taken back when it is closed — at once, without the
 *   lingering close (what the client sent is read first), so a queue of clients beyond
 *   the descriptors is answered in one turn; with the spare in use the listener is
 *   disabled until a connection closes (no busy loop on a pending accept).
 * - Each connection feeds a RequestParser; requests are answered strictly in order
 *   (pipelining), at most PIPELINE_DEPTH responses queued per connection — beyond that the
 *   connection is not read until its queue drains, which bounds memory per client.
 * - Output never blocks: each connection has a queue of responses; a file body is read
 *   from the file in CHUNK-sized pieces with pread only when the socket can take them,
 *   so a large file streams as the socket becomes writable. The file is opened when the
 *   response reaches the head of the queue; if that fails, the response becomes a 500
 *   (nothing of it has been sent yet). A file that shrinks under us aborts the connection
 *   (the promised Content-Length cannot be kept).
 * - Closing: after a response marked `close`, or at the client's EOF once everything
 *   parsed is answered, the server shuts down its sending side and lingers — reading and
 *   discarding — until the client's EOF or LINGER_MS, so unread client bytes do not turn
 *   the close into a reset that destroys the response in flight (thttpd's lingering close).
 * - Timeouts, all on CLOCK_MONOTONIC, kept in a heap (deadlines.ts) whose earliest entry
 *   is kevent's timeout:
 *     - a request begun but not finished within `timeoutSec` of its first byte → 408 and
 *       close (RFC 9110 §15.5.9), also against a client trickling bytes (nginx's
 *       client_header_timeout: only a whole request resets it);
 *     - an idle keep-alive connection for `timeoutSec` since its last complete request or
 *       response byte → closed quietly (RFC 9112 §9.8). Bytes that start no request (the
 *       empty lines §2.2 lets a server skip) do not count as activity;
 *     - a response making no progress for `timeoutSec` (client not reading) → aborted.
 * - An unexpected Errno while deciding or opening a file → 500; an unexpected Errno on a
 *   connection's socket → that connection is dropped; the server carries on.
 * - One access-log line per response, Common Log Format, when it is finished (or the
 *   connection died under it), with the content bytes actually sent.
 */
import {
  AF_INET,
  CLOCK_MONOTONIC,
  CLOCK_REALTIME,
  errno,
  EV_ADD,
  EV_DISABLE,
  EV_ENABLE,
  EV_ERROR,
  EVFILT_READ,
  EVFILT_WRITE,
  F_SETFL,
  IPPROTO_TCP,
  isErrno,
  type KEvent,
  O_NONBLOCK,
  O_RDONLY,
  POLLIN,
  POLLOUT,
  SHUT_WR,
  SO_REUSEADDR,
  SOCK_STREAM,
  SOL_SOCKET,
  type Sys,
  TCP_NODELAY,
  type Wait,
} from "../../kernel/syscall/api.ts";
import { Deadlines } from "./deadlines.ts";
import { decideError, timeoutResponse } from "./handler.ts";
import { commonLogLine } from "./log.ts";
import { RequestParser } from "./request.ts";
import { encodeResponseWith, errorResponse, type HttpResponse } from "./response.ts";
import { decideOnSys, ServeError, sysPath } from "./sys_view.ts";

export interface ServerOptions {
  /** TCP port to listen on (thttpd -p; default 80). */
  port: number;
  /** Local address to bind (default "0.0.0.0", every interface). */
  addr?: string;
  /** Document root (thttpd -d; default "/www"). */
  root: string;
  /** Most connections open at once (thttpd -c); 0: as many as descriptors allow. */
  maxConns: number;
  /** Request, idle and send timeout in seconds (thttpd -T). */
  timeoutSec: number;
  /** listen(2) backlog (default 511, nginx's). */
  backlog?: number;
  /** Where access-log lines go (default: stdout, one line each). */
  log?: (line: string) => Wait;
}

/** Counters, for tests and a final report. */
export interface ServerStats {
  accepted: number;
  requests: number;
  timeouts408: number;
  idleClosed: number;
  aborted: number;
  closed: number;
  /** Clients answered 503 because the connection limit or the descriptors ran out. */
  rejected503: number;
  /** Idle keep-alive connections closed to make room for a new client. */
  reclaimed: number;
}

export const CHUNK = 16 * 1024;
export const PIPELINE_DEPTH = 8;
export const LINGER_MS = 500;
/** A connection that has sent nothing yet is not reclaimed as idle before this. */
export const IDLE_GRACE_MS = 1000;
/** How long a 503-rejected connection lingers: it holds a scarce descriptor. */
export const REJECT_LINGER_MS = 100;
const READ_SIZE = 16 * 1024;
/** Unparsed bytes a connection may hold before the server stops reading it. */
const MAX_BUFFERED = 64 * 1024;
const NS_PER_MS = 1e6;
/** Room a response head is given in a connection's buffer (heads are a few hundred bytes). */
const HEAD_ROOM = 1024;
/** The largest buffer a connection keeps: a head and a chunk. */
const MAX_SPACE = CHUNK + HEAD_ROOM;
/** Events one kevent call returns at most. */
const MAX_EVENTS = 256;
/** The listening socket's kevent udata (connections count from 1). */
const LISTENER = 0;

/** What an Outgoing's `buf` holds before it is started. */
const NO_BYTES = new Uint8Array(0);

/** One response on its way out. */
interface Outgoing {
  res: HttpResponse;
  requestLine: string | null;
  started: boolean;
  /** The bytes being written, where we are in them, and where content starts in them. */
  buf: Uint8Array;
  off: number;
  bodyAt: number;
  /** File body: descriptor, next offset to read, end (exclusive). */
  fileFd: number;
  filePos: number;
  fileEnd: number;
  /** Content bytes written so far (for the log). */
  sent: number;
}

type Phase = "open" | "closing" | "linger" | "closed";

interface Conn {
  /** Serial number: the kevent udata of its knotes. */
  id: number;
  fd: number;
  /** The interest enabled in the kqueue now (POLLIN, POLLOUT bits). */
  reg: number;
  /** Its entry in the deadline heap (deadlines.ts). */
  deadlineAt: number;
  /** The loop turn it was last found ready in, and whether it was readable then. */
  turn: number;
  readReady: boolean;
  peer: string;
  parser: RequestParser;
  queue: Outgoing[];
  phase: Phase;
  readEof: boolean;
  /** Last time bytes moved either way (ns, monotonic). */
  active: number;
  /** When the request now being received began (ns), or null. */
  requestStart: number | null;
  lingerUntil: number;
  /** When it was accepted, and how many requests it has made. */
  born: number;
  requests: number;
  /** Answered 503 (over the limit); `spare`: it holds the spare descriptor's slot. */
  rejected: boolean;
  spare: boolean;
  /**
   * The buffer the connection's responses are encoded and read into, reused: only the
   * head of the queue is ever being written, and it asks for the buffer again only once
   * every byte it wrote from it has been written (write(2) is then done with them).
   */
  space: Uint8Array | null;
}

/** Whether `c` is closed (a function, so TypeScript does not narrow across waits). */
function isClosed(c: Conn): boolean {
  return c.phase === "closed";
}

export class HttpServer {
  readonly stats: ServerStats = {
    accepted: 0,
    requests: 0,
    timeouts408: 0,
    idleClosed: 0,
    aborted: 0,
    closed: 0,
    rejected503: 0,
    reclaimed: 0,
  };
  /** Open connections by serial number. */
  readonly #conns = new Map<number, Conn>();
  #nextId = 1;
  /** Loop turns so far. */
  #turn = 0;
  #kq = -1;
  /** kevent changes for the next call. */
  #changes: KEvent[] = [];
  /** Whether the listener's read filter is enabled. */
  #listenOn = false;
  readonly #deadlines = new Deadlines<Conn>();
  readonly #enc = new TextEncoder();
  /** The access-log line's bytes, reused: each is written out before the next is made. */
  #logBuf = new Uint8Array(256);
  #listenFd = -1;
  /** The spare descriptor (a dup of the listener), or -1 while a rejected client has it. */
  #spareFd = -1;
  /** Connections not rejected (what maxConns bounds). */
  #serving = 0;
  /** The working directory's real path once `enterRoot` made it the document root. */
  #base: string | undefined = undefined;
  readonly #rbuf = new Uint8Array(READ_SIZE);

  constructor(readonly sys: Sys, readonly opts: ServerOptions) {}

  /**
   * Opens the listening socket (socket, SO_REUSEADDR, TCP_NODELAY, bind, listen,
   * non-blocking). Accepted connections inherit TCP_NODELAY: a response's last partial
   * segment leaves at once instead of waiting behind Nagle for the client's (possibly
   * delayed) ACK of the segments before it, as nginx does on keep-alive connections.
   */
  listen(): number {
    const sys = this.sys;
    const fd = sys.socket(AF_INET, SOCK_STREAM, 0);
    sys.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    sys.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
    sys.bind(fd, { addr: this.opts.addr ?? "0.0.0.0", port: this.opts.port });
    sys.listen(fd, this.opts.backlog ?? 511);
    sys.fcntl(fd, F_SETFL, O_NONBLOCK);
    this.#listenFd = fd;
    this.#spareFd = sys.dup(fd);
    this.#kq = sys.kqueue();
    this.#change(fd, EVFILT_READ, EV_ADD, LISTENER);
    this.#listenOn = true;
    return fd;
  }

  /**
   * thttpd's chdir into the document root: from then on files under it are looked up
   * relative to the working directory (sys_view.ts), which stays the directory the root
   * named at startup. Throws the Errno of chdir (no such directory, not one, no access).
   */
  *enterRoot(): Wait {
    yield* this.sys.chdir(this.opts.root);
    this.#base = yield* this.sys.getcwd();
  }

  /** Connections open now. */
  get connections(): number {
    return this.#conns.size;
  }

  #now(): number {
    const t = this.sys.clock_gettime(CLOCK_MONOTONIC);
    return t.sec * 1e9 + t.nsec;
  }

  #wallMs(): number {
    const t = this.sys.clock_gettime(CLOCK_REALTIME);
    return t.sec * 1000 + Math.floor(t.nsec / 1e6);
  }

  #timeoutNs(): number {
    return this.opts.timeoutSec * 1e9;
  }

  /** Runs the loop forever (listening and entering the root first if not done yet). */
  *run(): Wait<never> {
    if (this.#listenFd < 0) this.listen();
    if (this.#base === undefined) yield* this.enterRoot();
    for (;;) yield* this.step();
  }

  /** One turn of the loop: kevent, then serve whatever is ready, then enforce timeouts. */
  *step(): Wait {
    const sys = this.sys;
    // Out of descriptors with the spare in use: wait for a close rather than spin.
    const listen = !(this.#spareFd < 0 && this.#fdsExhausted);
    if (listen !== this.#listenOn) {
      this.#listenOn = listen;
      this.#change(this.#listenFd, EVFILT_READ, listen ? EV_ENABLE : EV_DISABLE, LISTENER);
    }
    const changes = this.#changes;
    this.#changes = [];
    const events = yield* sys.kevent(this.#kq, changes, MAX_EVENTS, this.#waitTimeout());

    // Which connections are ready, each once, in the order of their first event; what
    // is accepted now is served from the next turn on (kevent tells when).
    let accept = 0;
    const ready: Conn[] = [];
    const turn = ++this.#turn;
    for (const ev of events) {
      if (ev.flags & EV_ERROR) continue; // a change for a connection closed meanwhile
      if (ev.udata === LISTENER) {
        accept = Math.max(1, ev.data); // connections waiting (nginx's ev->available)
        continue;
      }
      const c = this.#conns.get(ev.udata);
      if (c === undefined) continue;
      if (c.turn !== turn) {
        c.turn = turn;
        c.readReady = false;
        ready.push(c);
      }
      if (ev.filter === EVFILT_READ) c.readReady = true;
    }
    if (accept > 0) yield* this.#acceptAll(accept);
    for (const c of ready) {
      if (c.phase === "closed") continue;
      try {
        if (c.readReady) yield* this.#readable(c);
        if (!isClosed(c)) yield* this.#service(c);
      } catch (e) {
        if (!isErrno(e)) throw e;
        yield* this.#abort(c);
      }
      this.#update(c);
    }
    yield* this.#timeouts();
  }

  /** Queues a kevent change for the next call. */
  #change(fd: number, filter: number, flags: number, udata: number): void {
    this.#changes.push({ ident: fd, filter, flags, fflags: 0, data: 0, udata });
  }

  /** After `c` was served: its kqueue interest and its deadline follow its state. */
  #update(c: Conn): void {
    if (c.phase === "closed") return;
    const want = this.#interest(c);
    const diff = want ^ c.reg;
    if (diff & POLLIN) {
      this.#change(c.fd, EVFILT_READ, want & POLLIN ? EV_ENABLE : EV_DISABLE, c.id);
    }
    if (diff & POLLOUT) {
      this.#change(c.fd, EVFILT_WRITE, want & POLLOUT ? EV_ENABLE : EV_DISABLE, c.id);
    }
    c.reg = want;
    this.#deadlines.set(c, this.#deadline(c));
  }

  #interest(c: Conn): number {
    let ev = 0;
    if (c.phase === "linger") return POLLIN;
    if (
      !c.readEof && c.phase === "open" && c.queue.length < PIPELINE_DEPTH &&
      c.parser.buffered < MAX_BUFFERED
    ) ev |= POLLIN;
    if (c.queue.length > 0) ev |= POLLOUT;
    return ev;
  }

  /** Milliseconds until the earliest connection deadline; -1 with none. */
  #waitTimeout(): number {
    const next = this.#deadlines.next();
    if (next === Infinity) return -1;
    return Math.max(0, Math.ceil((next - this.#now()) / NS_PER_MS));
  }

  #deadline(c: Conn): number {
    if (c.phase === "linger") return c.lingerUntil;
    if (c.queue.length > 0) return c.active + this.#timeoutNs();
    if (c.requestStart !== null) return c.requestStart + this.#timeoutNs();
    return c.active + this.#timeoutNs();
  }

  /** Set when accept last failed for want of a descriptor; cleared by any close. */
  #fdsExhausted = false;

  /**
   * Accepts the `available` connections kevent reported waiting (fewer if some went away:
   * EAGAIN ends it); later ones are the next turn's. Not accepting until EAGAIN saves a
   * failed call (an Errno) per turn.
   */
  *#acceptAll(available: number): Wait {
    const sys = this.sys;
    for (let n = 0; n < available; n++) {
      let a: { fd: number; addr: { addr: string; port: number } };
      let spare = false;
      try {
        a = yield* sys.accept(this.#listenFd);
      } catch (e) {
        if (isErrno(e, errno.EAGAIN)) return;
        if (isErrno(e, errno.ECONNABORTED)) continue;
        if (!isErrno(e, errno.EMFILE) && !isErrno(e, errno.ENFILE)) throw e;
        // nginx's way first: the longest-idle keep-alive connection gives up its slot.
        if (yield* this.#reclaimIdle()) continue;
        this.#fdsExhausted = true;
        if (this.#spareFd < 0) return;
        // Give up the spare so this client can at least be told to come back.
        yield* sys.close(this.#spareFd);
        this.#spareFd = -1;
        try {
          a = yield* sys.accept(this.#listenFd);
        } catch (e2) {
          this.#takeSpare();
          if (isErrno(e2)) return;
          throw e2;
        }
        spare = true;
      }
      sys.fcntl(a.fd, F_SETFL, O_NONBLOCK);
      this.stats.accepted++;
      const now = this.#now();
      const max = this.opts.maxConns;
      if (!spare && max > 0 && this.#serving >= max) yield* this.#reclaimIdle();
      const rejected = spare || (max > 0 && this.#serving >= max);
      const c: Conn = {
        id: this.#nextId++,
        fd: a.fd,
        reg: 0,
        deadlineAt: Infinity,
        turn: 0,
        readReady: false,
        peer: a.addr.addr,
        parser: new RequestParser(),
        queue: [],
        phase: "open",
        readEof: false,
        active: now,
        requestStart: null,
        lingerUntil: 0,
        born: now,
        requests: 0,
        rejected,
        spare,
        space: null,
      };
      this.#conns.set(c.id, c);
      this.#change(c.fd, EVFILT_READ, EV_ADD | EV_DISABLE, c.id);
      this.#change(c.fd, EVFILT_WRITE, EV_ADD | EV_DISABLE, c.id);
      if (rejected) {
        this.stats.rejected503++;
        const res = errorResponse(503, {
          nowMs: this.#wallMs(),
          close: true,
          minor: 1,
          head: false,
        });
        this.#enqueue(c, res, null);
        try {
          yield* this.#service(c);
        } catch (e) {
          if (!isErrno(e)) throw e;
          yield* this.#abort(c);
        }
        // The spare is back once that client's 503 went and its socket closed (at once,
        // see #shutdown); if its 503 could not all go yet, the rest wait for it.
        this.#update(c);
        if (this.#spareFd < 0) return;
      } else {
        this.#serving++;
        this.#update(c);
      }
    }
  }

  /**
   * Closes the connection that has been idle longest — open, nothing queued, no request
   * begun, and either kept alive after a request or silent for IDLE_GRACE_MS since it was
   * accepted (a new client gets time to send its request) — quietly, as RFC 9112 §9.8
   * allows at any time; false when none is idle.
   */
  *#reclaimIdle(): Wait<boolean> {
    let idle: Conn | null = null;
    const fresh = this.#now() - IDLE_GRACE_MS * NS_PER_MS;
    for (const c of this.#conns.values()) {
      if (c.phase !== "open" || c.rejected || c.queue.length > 0) continue;
      if (c.requestStart !== null || c.parser.partial) continue;
      if (c.requests === 0 && c.born > fresh) continue;
      if (idle === null || c.active < idle.active) idle = c;
    }
    if (idle === null) return false;
    this.stats.reclaimed++;
    yield* this.#close(idle);
    return true;
  }

  /** Takes the spare descriptor back (a dup of the listener) if one is free now. */
  #takeSpare(): void {
    if (this.#spareFd >= 0 || this.#listenFd < 0) return;
    try {
      this.#spareFd = this.sys.dup(this.#listenFd);
    } catch (e) {
      if (!isErrno(e)) throw e;
    }
  }

  /**
   * One read per turn (so a client that pipelines without reading cannot make the server
   * buffer without bound: reading stops while its queue is full); EOF is remembered.
   */
  *#readable(c: Conn): Wait {
    if (c.readEof) return;
    let n: number;
    try {
      n = yield* this.sys.read(c.fd, this.#rbuf);
    } catch (e) {
      if (isErrno(e, errno.EAGAIN)) return;
      throw e;
    }
    // Reading alone is no activity: only a complete request (#pump) or output moves
    // `active`, so empty lines and trickled bytes cannot keep a connection forever.
    if (n === 0) c.readEof = true;
    else if (c.phase === "open") c.parser.feed(this.#rbuf.subarray(0, n));
    // closing or lingering: the bytes are discarded.
    if (c.readEof && c.phase === "linger") yield* this.#close(c);
  }

  /** Answers what is parsed, writes what it can, and starts closing when it is time. */
  *#service(c: Conn): Wait {
    for (;;) {
      yield* this.#pump(c);
      if (c.queue.length === 0) break;
      const blocked = yield* this.#flush(c);
      if (isClosed(c) || blocked) return;
      // The queue drained: more parsed requests may now be answered.
    }
    // Nothing left to send: close after a closing response, or at the client's EOF (a
    // request cut short by EOF has nobody left to answer).
    if (c.phase === "closing" || (c.phase === "open" && c.readEof)) yield* this.#shutdown(c);
  }

  /** Turns parsed requests into queued responses, in order, up to PIPELINE_DEPTH. */
  *#pump(c: Conn): Wait {
    while (c.phase === "open" && c.queue.length < PIPELINE_DEPTH) {
      const ev = c.parser.next();
      if (ev === null) break;
      this.stats.requests++;
      c.requests++;
      c.active = this.#now();
      const nowMs = this.#wallMs();
      let res: HttpResponse;
      let line: string | null;
      if (ev.kind === "error") {
        res = decideError(ev.error, nowMs);
        line = ev.error.requestLine;
      } else {
        line = ev.request.requestLine;
        try {
          const root = this.#base ?? this.opts.root;
          res = yield* decideOnSys(this.sys, ev.request, { nowMs, root }, this.#base);
        } catch (e) {
          if (!(e instanceof ServeError)) throw e;
          res = this.#internalError(nowMs, !ev.request.keepAlive, ev.request.minor);
        }
      }
      this.#enqueue(c, res, line);
    }
    c.requestStart = c.parser.partial ? (c.requestStart ?? this.#now()) : null;
  }

  #internalError(nowMs: number, close: boolean, minor: 0 | 1): HttpResponse {
    return errorResponse(500, { nowMs, close, minor, head: false });
  }

  #enqueue(c: Conn, res: HttpResponse, requestLine: string | null): void {
    c.queue.push({
      res,
      requestLine,
      started: false,
      buf: NO_BYTES,
      off: 0,
      bodyAt: 0,
      fileFd: -1,
      filePos: 0,
      fileEnd: 0,
      sent: 0,
    });
    if (res.close) c.phase = "closing";
  }

  /**
   * The connection's buffer, at least `need` bytes long, grown if need be up to MAX_SPACE;
   * undefined past that (the caller then makes a buffer of its own).
   */
  #space(c: Conn, need: number): Uint8Array | undefined {
    if (c.space !== null && c.space.length >= need) return c.space;
    if (need > MAX_SPACE) return undefined;
    let size = 1024;
    while (size < need) size *= 2;
    c.space = new Uint8Array(Math.min(size, MAX_SPACE));
    return c.space;
  }

  /** Prepares the head of the queue for sending: opens its file, encodes its head. */
  *#start(c: Conn, o: Outgoing): Wait {
    o.started = true;
    const body = o.res.body;
    if (body !== null && !(body instanceof Uint8Array)) {
      try {
        o.fileFd = yield* this.sys.open(sysPath(body.file, this.#base), O_RDONLY);
        o.filePos = body.start;
        o.fileEnd = body.end;
      } catch (e) {
        if (!isErrno(e)) throw e;
        // Out of descriptors is the server being busy (503), anything else its fault (500).
        o.res = isErrno(e, errno.EMFILE) || isErrno(e, errno.ENFILE)
          ? errorResponse(503, { nowMs: this.#wallMs(), close: true, minor: 1, head: false })
          : this.#internalError(this.#wallMs(), o.res.close, 1);
      }
    }
    o.off = 0;
    if (o.fileFd >= 0 && o.filePos < o.fileEnd) {
      // thttpd's writev(head, file): the head and the file's first chunk go out in one
      // write, so a small response is one segment and Nagle never holds back its body.
      // The head is encoded straight into that write's buffer.
      const extra = Math.min(CHUNK, o.fileEnd - o.filePos);
      const { buf, at } = encodeResponseWith(o.res, extra, this.#space(c, HEAD_ROOM + extra));
      const n = yield* this.sys.pread(o.fileFd, buf.subarray(at), o.filePos);
      o.filePos += n; // short (the file shrank): the next pread finds out and aborts
      o.buf = n === extra ? buf : buf.subarray(0, at + n);
      o.bodyAt = at;
    } else {
      const inline = o.res.body instanceof Uint8Array ? o.res.body.length : 0;
      o.buf = encodeResponseWith(o.res, 0, this.#space(c, HEAD_ROOM + inline)).buf;
      o.bodyAt = o.buf.length - inline;
    }
  }

  /**
   * Writes queued output until the queue is empty (false) or the socket is full (true).
   * A dead socket aborts the connection (returns true, phase "closed").
   */
  *#flush(c: Conn): Wait<boolean> {
    const sys = this.sys;
    while (c.queue.length > 0) {
      const o = c.queue[0];
      if (!o.started) yield* this.#start(c, o);
      if (o.off === o.buf.length) {
        if (o.fileFd >= 0 && o.filePos < o.fileEnd) {
          // Everything written from the buffer is written: it takes the next chunk.
          const len = Math.min(CHUNK, o.fileEnd - o.filePos);
          const chunk = this.#space(c, len)?.subarray(0, len) ?? new Uint8Array(len);
          const n = yield* sys.pread(o.fileFd, chunk, o.filePos);
          if (n === 0) {
            yield* this.#abort(c); // the file shrank: the framing cannot be kept
            return true;
          }
          o.filePos += n;
          o.buf = chunk.subarray(0, n);
          o.off = 0;
          o.bodyAt = 0;
          continue;
        }
        yield* this.#finish(c, o);
        continue;
      }
      let n: number;
      try {
        n = yield* sys.write(c.fd, o.off === 0 ? o.buf : o.buf.subarray(o.off));
      } catch (e) {
        if (isErrno(e, errno.EAGAIN)) return true;
        if (!isErrno(e)) throw e;
        yield* this.#abort(c);
        return true;
      }
      const from = Math.max(o.off, o.bodyAt);
      o.off += n;
      if (o.off > from) o.sent += o.off - from;
      c.active = this.#now();
      if (n === 0) return true;
    }
    return false;
  }

  /** A response is fully written: log it and drop it from the queue. */
  *#finish(c: Conn, o: Outgoing): Wait {
    c.queue.shift();
    // A request that arrived while we were busy answering is timed from now on.
    if (c.requestStart !== null) c.requestStart = Math.max(c.requestStart, this.#now());
    yield* this.#done(c, o);
  }

  *#done(c: Conn, o: Outgoing): Wait {
    if (o.fileFd >= 0) {
      const fd = o.fileFd;
      o.fileFd = -1;
      yield* this.sys.close(fd);
    }
    yield* this.#log(c.peer, o.requestLine, o.res.status, o.sent);
  }

  *#log(peer: string, requestLine: string | null, status: number, bytes: number): Wait {
    const line = commonLogLine({ host: peer, timeMs: this.#wallMs(), requestLine, status, bytes });
    if (this.opts.log) yield* this.opts.log(line);
    else {
      // Encoded (UTF-8) into the reused buffer; the loop returns only once every byte is
      // written (write(2) is done with them), and nothing else uses the buffer meanwhile.
      if (this.#logBuf.length < line.length * 3 + 1) {
        this.#logBuf = new Uint8Array(line.length * 3 + 1);
      }
      const buf = this.#logBuf;
      // log.ts escapes everything outside printable ASCII, which is its own UTF-8.
      let len = 0;
      for (let c; len < line.length && (c = line.charCodeAt(len)) < 0x80; len++) buf[len] = c;
      if (len < line.length) len = this.#enc.encodeInto(line, buf).written;
      buf[len++] = 0x0a; // "\n"
      for (let off = 0; off < len;) off += yield* this.sys.write(1, buf.subarray(off, len));
    }
  }

  /** Everything is sent: shut the sending side and linger (or close at once after EOF). */
  *#shutdown(c: Conn): Wait {
    if (c.readEof) {
      yield* this.#close(c);
      return;
    }
    try {
      yield* this.sys.shutdown(c.fd, SHUT_WR);
    } catch (e) {
      if (!isErrno(e)) throw e;
      yield* this.#close(c);
      return;
    }
    if (c.spare) {
      // Out of descriptors: no lingering on the last one. What the client sent so far is
      // read first, so the close does not turn into a reset that destroys the 503.
      yield* this.#discardInput(c);
      yield* this.#close(c);
      return;
    }
    c.phase = "linger";
    c.lingerUntil = this.#now() + (c.rejected ? REJECT_LINGER_MS : LINGER_MS) * NS_PER_MS;
  }

  /** Reads and drops whatever the connection has buffered (non-blocking). */
  *#discardInput(c: Conn): Wait {
    for (;;) {
      try {
        if ((yield* this.sys.read(c.fd, this.#rbuf)) === 0) return;
      } catch (e) {
        if (!isErrno(e)) throw e;
        return; // EAGAIN: nothing more now; any other error: closing anyway
      }
    }
  }

  /** Drops a connection at once, logging what was cut short. */
  *#abort(c: Conn): Wait {
    if (c.phase === "closed") return;
    this.stats.aborted++;
    const q = c.queue.splice(0);
    for (const o of q) if (o.started) yield* this.#done(c, o);
    yield* this.#close(c);
  }

  *#close(c: Conn): Wait {
    if (c.phase === "closed") return;
    c.phase = "closed";
    this.#conns.delete(c.id);
    this.#deadlines.clear(c);
    // Its knotes go with the descriptor; a change still queued for it must not reach the
    // next connection given the same descriptor number.
    if (this.#changes.some((ch) => ch.udata === c.id)) {
      this.#changes = this.#changes.filter((ch) => ch.udata !== c.id);
    }
    this.stats.closed++;
    if (!c.rejected) this.#serving--;
    this.#fdsExhausted = false;
    for (const o of c.queue.splice(0)) {
      if (o.fileFd >= 0) yield* this.sys.close(o.fileFd);
    }
    try {
      yield* this.sys.close(c.fd);
    } catch (e) {
      if (!isErrno(e)) throw e;
    }
    if (c.spare) this.#takeSpare();
  }

  /** Enforces the request, idle, send and linger deadlines. */
  *#timeouts(): Wait {
    const now = this.#now();
    for (let c; (c = this.#deadlines.due(now)) !== null;) {
      if (c.phase === "closed") continue;
      if (now < this.#deadline(c)) {
        this.#update(c); // it moved on since: wait for its new deadline
        continue;
      }
      if (c.phase === "linger") {
        yield* this.#close(c);
      } else if (c.queue.length > 0) {
        yield* this.#abort(c); // the client stopped reading
      } else if (c.requestStart !== null && c.phase === "open") {
        // RFC 9110 §15.5.9: a request that did not arrive in time gets 408, then close.
        this.stats.timeouts408++;
        this.#enqueue(c, timeoutResponse(this.#wallMs()), null);
        c.active = now;
        c.requestStart = null;
        try {
          yield* this.#service(c);
        } catch (e) {
          if (!isErrno(e)) throw e;
          yield* this.#abort(c);
        }
      } else {
        this.stats.idleClosed++; // RFC 9112 §9.8: an idle connection may be closed quietly
        yield* this.#close(c);
      }
      this.#update(c);
    }
  }
}
