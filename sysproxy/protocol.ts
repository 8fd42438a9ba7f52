/**
 * protocol.ts — the sysproxy wire protocol (docs/SYSPROXY.md): frames, their header, the
 * value encoding that carries a system call's arguments and results, and a stream decoder
 * that cuts a byte stream into frames.
 *
 * Every frame starts with a 16-byte header, all little-endian:
 *
 *   0  u32 length    the whole frame, header included (16 .. MAX_FRAME)
 *   4  u16 type      FrameType
 *   6  u16 reserved  0
 *   8  u32 reqid     the request the frame belongs to (0 where none)
 *  12  u32 pid       the kernel process the frame is about (0 where none)
 *
 * Rules: `emit*` never fails on values the types allow; `parseFrame` and `decodeValue`
 * never throw anything but `ProtocolError` on bad input, and never read past the frame.
 * A value nests at most MAX_DEPTH deep. Strings are UTF-8 with a u32 length; bytes are
 * copied out of the input (a parsed frame owns its data).
 */

/** Protocol version: the handshake carries it; a server refuses any other. */
export const SYSPROXY_VERSION = 1;
/** Header bytes of every frame. */
export const HEADER_LEN = 16;
/** The largest frame either side accepts (header included): 1 MiB + 4 KiB. */
export const MAX_FRAME = (1 << 20) + 4096;
/** The largest buffer one call copies in or out: a bigger read or write is cut to it. */
export const MAX_IO = 1 << 20;
/** How deep values may nest. */
export const MAX_DEPTH = 8;

export enum FrameType {
  /** client → server: version, token, program name. */
  HELLO = 1,
  /** server → client: version, pid, ostype, osrelease, machine, hostname, the calls. */
  WELCOME = 2,
  /** server → client: one line saying why; the server closes the connection after it. */
  REFUSED = 3,
  /** client → server: a system call by name, its arguments. */
  CALL = 4,
  /** server → client: the call's result and copied-out buffers, or an errno. */
  RESULT = 5,
  /** client → server: interrupt the call `reqid` (Ctrl-C): SIGINT ends the process (KILLED). */
  INTERRUPT = 6,
  /** server → client: bytes a process wrote to its terminal (stream 1 or 2). */
  OUTPUT = 7,
  /** server → client: a process reads its terminal: at most `max` bytes, please. */
  INPUT_REQ = 8,
  /** client → server: the answer to INPUT_REQ `reqid`: bytes, none at end of file. */
  INPUT = 9,
  /** server → client: the process ended during call `reqid` (a signal), with `status`. */
  KILLED = 10,
}

/** Bad input: the frame or stream is not what the protocol allows. */
export class ProtocolError extends Error {
  constructor(readonly kind: "malformed" | "oversized" | "order", message: string) {
    super(message);
    this.name = "ProtocolError";
  }
}

// ---------------------------------------------------------------------------------------
// Values

/** An output buffer of a call (copyout): the client sends its length, the server its bytes. */
export class OutBuf {
  constructor(readonly length: number) {}
}

/** What a value may be. */
export type Value =
  | undefined
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | OutBuf
  | Value[]
  | { [key: string]: Value };

const enum Tag {
  UNDEF = 0,
  NULL = 1,
  FALSE = 2,
  TRUE = 3,
  NUMBER = 4,
  STRING = 5,
  BYTES = 6,
  ARRAY = 7,
  OBJECT = 8,
  OUTBUF = 9,
}

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true });

/** Appends bytes to a growing buffer. */
class Writer {
  buf = new Uint8Array(256);
  len = 0;
  #dv = new DataView(this.buf.buffer);

  #room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
    this.#dv = new DataView(b.buffer);
  }
  u8(v: number): void {
    this.#room(1);
    this.buf[this.len++] = v;
  }
  u16(v: number): void {
    this.#room(2);
    this.#dv.setUint16(this.len, v, true);
    this.len += 2;
  }
  u32(v: number): void {
    this.#room(4);
    this.#dv.setUint32(this.len, v >>> 0, true);
    this.len += 4;
  }
  f64(v: number): void {
    this.#room(8);
    this.#dv.setFloat64(this.len, v, true);
    this.len += 8;
  }
  bytes(b: Uint8Array): void {
    this.u32(b.length);
    this.#room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  string(s: string): void {
    this.bytes(enc.encode(s));
  }
  value(v: Value, depth = 0): void {
    if (depth > MAX_DEPTH) throw new RangeError("sysproxy: value nests too deep");
    if (v === undefined) this.u8(Tag.UNDEF);
    else if (v === null) this.u8(Tag.NULL);
    else if (v === false) this.u8(Tag.FALSE);
    else if (v === true) this.u8(Tag.TRUE);
    else if (typeof v === "number") {
      this.u8(Tag.NUMBER);
      this.f64(v);
    } else if (typeof v === "string") {
      this.u8(Tag.STRING);
      this.string(v);
    } else if (v instanceof Uint8Array) {
      this.u8(Tag.BYTES);
      this.bytes(v);
    } else if (v instanceof OutBuf) {
      this.u8(Tag.OUTBUF);
      this.u32(v.length);
    } else if (Array.isArray(v)) {
      this.u8(Tag.ARRAY);
      this.u32(v.length);
      for (const x of v) this.value(x, depth + 1);
    } else {
      const keys = Object.keys(v);
      this.u8(Tag.OBJECT);
      this.u32(keys.length);
      for (const k of keys) {
        this.string(k);
        this.value(v[k], depth + 1);
      }
    }
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Reads a frame's body; every read is checked against its end. */
class Reader {
  pos: number;
  readonly #dv: DataView;
  constructor(readonly buf: Uint8Array, start: number) {
    this.pos = start;
    this.#dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  #need(n: number): void {
    if (this.pos + n > this.buf.length) {
      throw new ProtocolError("malformed", "frame ends inside a field");
    }
  }
  u8(): number {
    this.#need(1);
    return this.buf[this.pos++];
  }
  u32(): number {
    this.#need(4);
    const v = this.#dv.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  f64(): number {
    this.#need(8);
    const v = this.#dv.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }
  bytes(): Uint8Array {
    const n = this.u32();
    this.#need(n);
    const b = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  string(): string {
    try {
      return dec.decode(this.bytes());
    } catch (e) {
      if (e instanceof ProtocolError) throw e;
      throw new ProtocolError("malformed", "a string is not UTF-8");
    }
  }
  value(depth = 0): Value {
    if (depth > MAX_DEPTH) throw new ProtocolError("malformed", "a value nests too deep");
    const tag = this.u8();
    switch (tag) {
      case Tag.UNDEF:
        return undefined;
      case Tag.NULL:
        return null;
      case Tag.FALSE:
        return false;
      case Tag.TRUE:
        return true;
      case Tag.NUMBER:
        return this.f64();
      case Tag.STRING:
        return this.string();
      case Tag.BYTES:
        return this.bytes();
      case Tag.OUTBUF: {
        const n = this.u32();
        if (n > MAX_IO) throw new ProtocolError("oversized", `output buffer of ${n} bytes`);
        return new OutBuf(n);
      }
      case Tag.ARRAY: {
        const n = this.u32();
        // Every element takes at least one byte: a count beyond the frame is a lie.
        if (n > this.buf.length - this.pos) {
          throw new ProtocolError("malformed", "array count beyond the frame");
        }
        const a: Value[] = [];
        for (let i = 0; i < n; i++) a.push(this.value(depth + 1));
        return a;
      }
      case Tag.OBJECT: {
        const n = this.u32();
        if (n > this.buf.length - this.pos) {
          throw new ProtocolError("malformed", "object count beyond the frame");
        }
        const o: { [key: string]: Value } = {};
        for (let i = 0; i < n; i++) {
          const k = this.string();
          if (k === "__proto__") throw new ProtocolError("malformed", "key __proto__");
          o[k] = this.value(depth + 1);
        }
        return o;
      }
      default:
        throw new ProtocolError("malformed", `unknown value tag ${tag}`);
    }
  }
  end(): void {
    if (this.pos !== this.buf.length) {
      throw new ProtocolError("malformed", "trailing bytes after the frame's fields");
    }
  }
}

// ---------------------------------------------------------------------------------------
// Frames

export interface Hello {
  type: FrameType.HELLO;
  version: number;
  token: string;
  progname: string;
}
export interface Welcome {
  type: FrameType.WELCOME;
  version: number;
  pid: number;
  ostype: string;
  osrelease: string;
  machine: string;
  hostname: string;
  /** The calls the server serves: a name, with `*` after it for one that may wait. */
  calls: string[];
}
export interface Refused {
  type: FrameType.REFUSED;
  reason: string;
}
export interface Call {
  type: FrameType.CALL;
  reqid: number;
  pid: number;
  name: string;
  args: Value[];
}
/** A result: `errno` 0 and a value with the copied-out buffers, or an errno and message. */
export interface Result {
  type: FrameType.RESULT;
  reqid: number;
  pid: number;
  errno: number;
  /** errno ≠ 0: the error's whole message, as the kernel's Errno says it. */
  message: string;
  value: Value;
  /** One per OutBuf argument, in order: the bytes the call wrote there. */
  out: Uint8Array[];
}
export interface Interrupt {
  type: FrameType.INTERRUPT;
  reqid: number;
  pid: number;
}
export interface Output {
  type: FrameType.OUTPUT;
  pid: number;
  stream: number;
  data: Uint8Array;
}
export interface InputReq {
  type: FrameType.INPUT_REQ;
  reqid: number;
  pid: number;
  max: number;
}
export interface Input {
  type: FrameType.INPUT;
  reqid: number;
  pid: number;
  data: Uint8Array;
}

export interface Killed {
  type: FrameType.KILLED;
  reqid: number;
  pid: number;
  status: number;
}

export type Frame =
  | Hello
  | Welcome
  | Refused
  | Call
  | Result
  | Interrupt
  | Output
  | InputReq
  | Input
  | Killed;

/** Encodes `f` as one frame. */
export function emitFrame(f: Frame): Uint8Array {
  const w = new Writer();
  w.u32(0); // length, filled in below
  w.u16(f.type);
  w.u16(0);
  w.u32("reqid" in f ? f.reqid : 0);
  w.u32("pid" in f ? f.pid : 0);
  switch (f.type) {
    case FrameType.HELLO:
      w.u32(f.version);
      w.string(f.token);
      w.string(f.progname);
      break;
    case FrameType.WELCOME:
      w.u32(f.version);
      w.string(f.ostype);
      w.string(f.osrelease);
      w.string(f.machine);
      w.string(f.hostname);
      w.u32(f.calls.length);
      for (const c of f.calls) w.string(c);
      break;
    case FrameType.REFUSED:
      w.string(f.reason);
      break;
    case FrameType.CALL:
      w.string(f.name);
      w.value(f.args);
      break;
    case FrameType.RESULT:
      w.u32(f.errno);
      if (f.errno !== 0) w.string(f.message);
      else {
        w.value(f.value);
        w.u32(f.out.length);
        for (const b of f.out) w.bytes(b);
      }
      break;
    case FrameType.INTERRUPT:
      break;
    case FrameType.OUTPUT:
      w.u32(f.stream);
      w.bytes(f.data);
      break;
    case FrameType.INPUT_REQ:
      w.u32(f.max);
      break;
    case FrameType.INPUT:
      w.bytes(f.data);
      break;
    case FrameType.KILLED:
      w.u32(f.status);
      break;
  }
  const out = w.done();
  new DataView(out.buffer).setUint32(0, out.length, true);
  return out;
}

/** The length field of a frame whose header starts at `buf[off]` (4 bytes must be there). */
export function frameLength(buf: Uint8Array, off = 0): number {
  return (buf[off] | (buf[off + 1] << 8) | (buf[off + 2] << 16) | (buf[off + 3] << 24)) >>> 0;
}

/** Parses one whole frame (exactly `frame.length` bytes); ProtocolError when it is bad. */
export function parseFrame(frame: Uint8Array): Frame {
  if (frame.length < HEADER_LEN) {
    throw new ProtocolError("malformed", "frame shorter than its header");
  }
  const len = frameLength(frame);
  if (len > MAX_FRAME) throw new ProtocolError("oversized", `frame of ${len} bytes`);
  if (len !== frame.length) throw new ProtocolError("malformed", "frame length disagrees");
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const type = dv.getUint16(4, true);
  if (dv.getUint16(6, true) !== 0) throw new ProtocolError("malformed", "reserved field not 0");
  const reqid = dv.getUint32(8, true);
  const pid = dv.getUint32(12, true);
  const r = new Reader(frame, HEADER_LEN);
  let f: Frame;
  switch (type) {
    case FrameType.HELLO:
      f = { type, version: r.u32(), token: r.string(), progname: r.string() };
      break;
    case FrameType.WELCOME: {
      const w: Welcome = {
        type,
        version: r.u32(),
        pid,
        ostype: r.string(),
        osrelease: r.string(),
        machine: r.string(),
        hostname: r.string(),
        calls: [],
      };
      const n = r.u32();
      if (n > frame.length) throw new ProtocolError("malformed", "call count beyond the frame");
      for (let i = 0; i < n; i++) w.calls.push(r.string());
      f = w;
      break;
    }
    case FrameType.REFUSED:
      f = { type, reason: r.string() };
      break;
    case FrameType.CALL: {
      const name = r.string();
      const args = r.value();
      if (!Array.isArray(args)) throw new ProtocolError("malformed", "call arguments not a list");
      f = { type, reqid, pid, name, args };
      break;
    }
    case FrameType.RESULT: {
      const errno = r.u32();
      if (errno !== 0) {
        f = { type, reqid, pid, errno, message: r.string(), value: undefined, out: [] };
        break;
      }
      const value = r.value();
      const n = r.u32();
      if (n > frame.length) throw new ProtocolError("malformed", "buffer count beyond the frame");
      const out: Uint8Array[] = [];
      for (let i = 0; i < n; i++) out.push(r.bytes());
      f = { type, reqid, pid, errno, message: "", value, out };
      break;
    }
    case FrameType.INTERRUPT:
      f = { type, reqid, pid };
      break;
    case FrameType.OUTPUT:
      f = { type, pid, stream: r.u32(), data: r.bytes() };
      break;
    case FrameType.INPUT_REQ:
      f = { type, reqid, pid, max: r.u32() };
      break;
    case FrameType.INPUT:
      f = { type, reqid, pid, data: r.bytes() };
      break;
    case FrameType.KILLED:
      f = { type, reqid, pid, status: r.u32() };
      break;
    default:
      throw new ProtocolError("malformed", `unknown frame type ${type}`);
  }
  r.end();
  return f;
}

/**
 * Cuts a byte stream into frames: `push` bytes as they come, then take whole frames with
 * `next` until it returns null. A length outside 16..MAX_FRAME throws at once (the
 * stream cannot be resynchronised), before the frame's bytes arrive.
 */
export class FrameDecoder {
  #buf = new Uint8Array(0);
  #start = 0;
  #end = 0;

  push(chunk: Uint8Array): void {
    const have = this.#end - this.#start;
    if (this.#end + chunk.length > this.#buf.length) {
      const size = Math.max(have + chunk.length, Math.min(2 * this.#buf.length, MAX_FRAME * 2));
      const b = new Uint8Array(Math.max(size, have + chunk.length, 4096));
      b.set(this.#buf.subarray(this.#start, this.#end));
      this.#buf = b;
      this.#start = 0;
      this.#end = have;
    }
    this.#buf.set(chunk, this.#end);
    this.#end += chunk.length;
  }

  /** Bytes held that do not yet make a whole frame. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /** The next whole frame's bytes (a copy), or null until more arrive. */
  next(): Uint8Array | null {
    const have = this.#end - this.#start;
    if (have < 4) return null;
    const len = frameLength(this.#buf, this.#start);
    if (len > MAX_FRAME) throw new ProtocolError("oversized", `frame of ${len} bytes`);
    if (len < HEADER_LEN) throw new ProtocolError("malformed", `frame length ${len}`);
    if (have < len) return null;
    const f = this.#buf.slice(this.#start, this.#start + len);
    this.#start += len;
    if (this.#start === this.#end) this.#start = this.#end = 0;
    return f;
  }
}

/** Encodes a value alone (tests, benchmarks). */
export function encodeValue(v: Value): Uint8Array {
  const w = new Writer();
  w.value(v);
  return w.done();
}

/** Decodes a value alone; ProtocolError when bad. */
export function decodeValue(b: Uint8Array): Value {
  const r = new Reader(b, 0);
  const v = r.value();
  r.end();
  return v;
}
