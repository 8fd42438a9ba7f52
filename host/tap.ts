/**
 * tap.ts — QEMU's `-netdev tap`: the NIC plugged into a Linux tap device, so the host's
 * own network stack is on the other end of the cable (`ping` and `curl` from Linux reach
 * the guest). The tap is reached through Deno FFI on the C library (tuntap.rst in the
 * kernel's Documentation/networking):
 *
 *   fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)
 *   ioctl(fd, TUNSETIFF, struct ifreq { ifr_name = NAME, ifr_flags = IFF_TAP | IFF_NO_PI })
 *   read(fd) → one Ethernet frame; write(fd, frame) → one frame into the host's stack
 *
 * A tap that did not exist is created and goes away when the descriptor is closed; a
 * persistent one (`ip tuntap add dev NAME mode tap`) is attached to and stays.
 *
 * Permissions: `Deno.dlopen` is stable in Deno 2 (no `--unstable-ffi`), but needs
 * `--allow-ffi`, which only `deno task boot-tap` grants; TUNSETIFF needs root (or
 * CAP_NET_ADMIN).
 *
 * Reading without blocking the event loop: the descriptor is non-blocking, and a
 * `poll(2)` on it — a symbol declared `nonblocking: true`, so Deno runs it on a worker
 * thread and hands back a promise — waits for input with no timeout. When it reports the
 * tap readable, the frames queued are read at once with plain non-blocking `read`s on the
 * main thread (where errno can be read) until EAGAIN. A blocking `read` on the worker
 * thread would be simpler but cannot be interrupted when the tap is closed; the poll also
 * watches an eventfd that `close()` writes to, so it ends at once.
 *
 * Rules: frames are copied at the boundary (netdev.ts): each frame read is a fresh array,
 * and `send` writes synchronously (the kernel copies it) so it may be given a view of guest
 * RAM. Frames reach the machine only through `TapHost.post` (the realtime host-work queue,
 * which wakes the halted CPU), never from the poll's callback directly. Nothing throws
 * out of `send` or the read loop: failures are counted. Opening fails with a `TapError`
 * whose message is one line naming the device and the cause.
 */
import { ETHER_HDR_LEN, type Netdev, type NetPort } from "../arch/netdev/netdev.ts";

/** The clone device every tap is made through. */
export const TUN_DEVICE = "/dev/net/tun";
/** <linux/if.h>: interface names are at most 15 bytes and a NUL. */
export const IFNAMSIZ = 16;

// <linux/if_tun.h>, <fcntl.h>, <poll.h>, <sys/eventfd.h>, <errno.h> on Linux (x86-64 and
// arm64 agree on all of these).
const TUNSETIFF = 0x400454can; // _IOW('T', 202, int)
const IFF_TAP = 0x0002;
const IFF_NO_PI = 0x1000; // no 4-byte packet information header before each frame
const O_RDWR = 0o2;
const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;
const POLLIN = 0x001;
const POLLERR = 0x008;
const POLLHUP = 0x010;
const POLLNVAL = 0x020;
const EPERM = 1;
const ENOENT = 2;
const ENXIO = 6;
const EAGAIN = 11;
const EACCES = 13;
const EBUSY = 16;
const ENODEV = 19;
const EINVAL = 22;
/** sizeof(struct ifreq) on 64-bit Linux. */
const IFREQ_LEN = 40;
/** The largest frame read: a tap's MTU can be raised to 64 KiB. */
const FRAME_MAX = 65536 + ETHER_HDR_LEN;
/** Frames read per wake-up before the machine gets them (the rest wait for the next poll). */
const READ_BATCH = 256;

const LIBC_SYMBOLS = {
  open: { parameters: ["buffer", "i32"], result: "i32" },
  ioctl: { parameters: ["i32", "u64", "buffer"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
  poll: { name: "poll", parameters: ["buffer", "u64", "i32"], result: "i32", nonblocking: true },
  strerror: { parameters: ["i32"], result: "pointer" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

type Libc = Deno.DynamicLibrary<typeof LIBC_SYMBOLS>["symbols"];

/** Opening a tap failed; the message is one line naming the device and the cause. */
export class TapError extends Error {
  override name = "TapError";
}

/** The realtime host-work path into the machine (kernel/platform/host_work.ts HostWork). */
export interface TapHost {
  /** Runs `fn` in the event loop's context, outside any fiber, and wakes the halted CPU. */
  post(fn: () => void): void;
  /** The tap is open: a machine with nothing scheduled waits for it. */
  openSource(): void;
  closeSource(): void;
}

/** What a tap has done, for tests and `-v`. */
export interface TapStats {
  rxFrames: number;
  rxBytes: number;
  /** Reads that failed other than with EAGAIN, and reads shorter than an Ethernet header. */
  rxErrors: number;
  /** Frames read while no port was connected. */
  rxDropped: number;
  txFrames: number;
  txBytes: number;
  /** Writes the kernel refused (the interface down, its queue full) — the frame is lost. */
  txErrors: number;
}

/**
 * Checks a Linux interface name as the kernel's dev_valid_name does: 1 to 15 bytes, not
 * "." or "..", no "/", ":" or white space; "%" (the kernel's name template) is refused too.
 */
export function checkTapName(name: string): void {
  const bytes = new TextEncoder().encode(name).length;
  let why = "";
  if (bytes === 0) why = "it is empty";
  else if (bytes >= IFNAMSIZ) why = `it is ${bytes} bytes long (at most ${IFNAMSIZ - 1})`;
  else if (name === "." || name === "..") why = "it is a path component";
  else if (/[/:%\s\0]/.test(name)) why = "it contains one of / : % or white space";
  if (why) throw new TapError(`tap ${JSON.stringify(name)}: bad interface name: ${why}`);
}

let libc: Libc | null = null;

/** The C library, opened once; a TapError when FFI is not allowed or libc cannot be loaded. */
function loadLibc(name: string): Libc {
  if (libc) return libc;
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
    throw new TapError(
      `tap ${name}: opening a tap device needs Deno's --allow-ffi permission ` +
        `(deno task boot-tap grants it)`,
    );
  }
  try {
    libc = Deno.dlopen("libc.so.6", LIBC_SYMBOLS).symbols;
  } catch (e) {
    throw new TapError(`tap ${name}: cannot load the C library: ${(e as Error).message}`);
  }
  return libc;
}

function errno(c: Libc): number {
  return new Deno.UnsafePointerView(c.__errno_location()!).getInt32();
}

function strerror(c: Libc, e: number): string {
  const p = c.strerror(e);
  return p ? Deno.UnsafePointerView.getCString(p) : `errno ${e}`;
}

/** Why open(/dev/net/tun) failed, in words. */
function openCause(c: Libc, e: number): string {
  switch (e) {
    case ENOENT:
      return `${TUN_DEVICE} does not exist (no tun driver on this host: modprobe tun)`;
    case ENXIO:
    case ENODEV:
      return `${TUN_DEVICE} has no driver behind it (modprobe tun)`;
    case EACCES:
    case EPERM:
      return `permission denied opening ${TUN_DEVICE} (run as root)`;
    default:
      return `cannot open ${TUN_DEVICE}: ${strerror(c, e)}`;
  }
}

/** Why TUNSETIFF failed, in words. */
function setiffCause(c: Libc, e: number, name: string): string {
  switch (e) {
    case EPERM:
    case EACCES:
      return "permission denied: creating or attaching a tap device needs root (CAP_NET_ADMIN)";
    case EBUSY:
      return "device busy: another program has it open";
    case EINVAL:
      return `the kernel refused it: an interface named ${name} exists and is not a tap device`;
    default:
      return `TUNSETIFF failed: ${strerror(c, e)}`;
  }
}

/**
 * Opens (creating if needed) the tap device `name`; throws a TapError. The tap reads
 * nothing until `start` is given the machine's host-work path.
 */
export function openTap(name: string): TapNetdev {
  checkTapName(name);
  const c = loadLibc(name);
  const path = new TextEncoder().encode(TUN_DEVICE + "\0");
  const fd = c.open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw new TapError(`tap ${name}: ${openCause(c, errno(c))}`);
  const ifr = new Uint8Array(IFREQ_LEN);
  ifr.set(new TextEncoder().encode(name));
  new DataView(ifr.buffer).setUint16(IFNAMSIZ, IFF_TAP | IFF_NO_PI, true);
  if (c.ioctl(fd, TUNSETIFF, ifr) < 0) {
    const e = errno(c);
    c.close(fd);
    throw new TapError(`tap ${name}: ${setiffCause(c, e, name)}`);
  }
  const wake = c.eventfd(0, O_NONBLOCK | O_CLOEXEC);
  if (wake < 0) {
    const e = errno(c);
    c.close(fd);
    throw new TapError(`tap ${name}: eventfd failed: ${strerror(c, e)}`);
  }
  return new TapNetdev(c, name, fd, wake);
}

/** An open tap device as a netdev. Made by `openTap`. */
export class TapNetdev implements Netdev {
  readonly stats: TapStats = {
    rxFrames: 0,
    rxBytes: 0,
    rxErrors: 0,
    rxDropped: 0,
    txFrames: 0,
    txBytes: 0,
    txErrors: 0,
  };
  #port: NetPort | null = null;
  #host: TapHost | null = null;
  #loop: Promise<void> | null = null;
  #closing = false;
  #closed = false;
  readonly #buf = new Uint8Array(FRAME_MAX);

  /** Use `openTap`. */
  constructor(
    private readonly c: Libc,
    readonly name: string,
    private readonly fd: number,
    private readonly wakeFd: number,
  ) {}

  connect(port: NetPort): void {
    this.#port = port;
  }

  /** Writes one frame into the host's stack now (the kernel copies it); a refusal is counted. */
  send(frame: Uint8Array): void {
    if (this.#closed) return;
    const n = Number(this.c.write(this.fd, frame, BigInt(frame.length)));
    if (n === frame.length) {
      this.stats.txFrames++;
      this.stats.txBytes += n;
    } else this.stats.txErrors++;
  }

  /** Starts reading: every frame the host sends is posted to `host` for the connected port. */
  start(host: TapHost): void {
    if (this.#host || this.#closed) throw new Error(`tap ${this.name}: already started or closed`);
    this.#host = host;
    host.openSource();
    this.#loop = this.#readLoop();
  }

  /**
   * Waits for input with poll(2) on a worker thread; on input, reads what is queued. Ends
   * when `close` writes the eventfd, or when the kernel reports the tap gone.
   */
  async #readLoop(): Promise<void> {
    const pfds = new Uint8Array(16); // struct pollfd { int fd; short events, revents; } × 2
    const v = new DataView(pfds.buffer);
    v.setInt32(0, this.fd, true);
    v.setInt16(4, POLLIN, true);
    v.setInt32(8, this.wakeFd, true);
    v.setInt16(12, POLLIN, true);
    let failures = 0;
    while (!this.#closing) {
      v.setInt16(6, 0, true);
      v.setInt16(14, 0, true);
      const n = await this.c.poll(pfds, 2n, -1);
      if (this.#closing) return;
      if (n < 0) {
        // EINTR (a signal reached the worker thread): poll again; anything persistent ends it.
        if (++failures > 100) return void this.stats.rxErrors++;
        continue;
      }
      failures = 0;
      const revents = v.getInt16(6, true);
      if (revents & POLLIN) this.#drain();
      else if (revents & (POLLERR | POLLHUP | POLLNVAL)) return void this.stats.rxErrors++;
    }
  }

  /** Reads the frames queued on the tap (up to a batch) and posts them to the machine. */
  #drain(): void {
    const frames: Uint8Array[] = [];
    for (let i = 0; i < READ_BATCH; i++) {
      const n = Number(this.c.read(this.fd, this.#buf, BigInt(this.#buf.length)));
      if (n < 0) {
        if (errno(this.c) !== EAGAIN) this.stats.rxErrors++;
        break;
      }
      if (n < ETHER_HDR_LEN) {
        this.stats.rxErrors++;
        continue;
      }
      this.stats.rxFrames++;
      this.stats.rxBytes += n;
      frames.push(this.#buf.slice(0, n));
    }
    if (frames.length === 0) return;
    this.#host!.post(() => {
      for (const f of frames) {
        if (this.#port) this.#port.receive(f);
        else this.stats.rxDropped++;
      }
    });
  }

  /**
   * Stops reading and closes the device (a tap this process created goes away). Safe to
   * call twice; resolves once the poll on the worker thread has returned.
   */
  async close(): Promise<void> {
    if (this.#closing) return await this.#loop?.catch(() => {});
    this.#closing = true;
    const one = new Uint8Array(8);
    new DataView(one.buffer).setBigUint64(0, 1n, true);
    this.c.write(this.wakeFd, one, 8n);
    await this.#loop?.catch(() => {});
    this.#closed = true;
    this.c.close(this.fd);
    this.c.close(this.wakeFd);
    if (this.#host) this.#host.closeSource();
  }
}
