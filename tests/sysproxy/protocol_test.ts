/**
 * protocol_test.ts — sysproxy's frames as bytes (docs/SYSPROXY.md), both directions: each
 * frame type emits exactly its fixture and parses back from it; values likewise; bad
 * input is a ProtocolError of the right kind, never another exception.
 */
import assert, {
  deepStrictEqual as assertEquals,
  throws as assertThrows,
} from "node:assert/strict";
import {
  decodeValue,
  emitFrame,
  encodeValue,
  type Frame,
  FrameDecoder,
  FrameType,
  MAX_FRAME,
  OutBuf,
  parseFrame,
  ProtocolError,
} from "../../sysproxy/protocol.ts";

const hex = (s: string) =>
  Uint8Array.from(s.replace(/\s+/g, "").match(/../g)!.map((b) => parseInt(b, 16)));
const PID = "e8030000"; // 1000

const FIXTURES: [string, Frame, string][] = [
  [
    "HELLO",
    { type: FrameType.HELLO, version: 1, token: "ab", progname: "ls" },
    "20000000 0100 0000 00000000 00000000  01000000  02000000 6162  02000000 6c73",
  ],
  [
    "WELCOME",
    {
      type: FrameType.WELCOME,
      version: 1,
      pid: 1000,
      ostype: "NetBSD",
      osrelease: "10.0",
      machine: "amd64",
      hostname: "h",
      calls: ["getpid", "read*"],
    },
    `4b000000 0200 0000 00000000 ${PID}  01000000  06000000 4e6574425344  04000000 31302e30
     05000000 616d643634  01000000 68  02000000  06000000 676574706964  05000000 726561642a`,
  ],
  [
    "REFUSED",
    { type: FrameType.REFUSED, reason: "no" },
    "16000000 0300 0000 00000000 00000000  02000000 6e6f",
  ],
  [
    "CALL",
    { type: FrameType.CALL, reqid: 7, pid: 1000, name: "read", args: [3, new OutBuf(16)] },
    `2b000000 0400 0000 07000000 ${PID}  04000000 72656164  07 02000000
     04 0000000000000840  09 10000000`,
  ],
  [
    "RESULT (ok)",
    {
      type: FrameType.RESULT,
      reqid: 7,
      pid: 1000,
      errno: 0,
      message: "",
      value: 2,
      out: [new Uint8Array([0x68, 0x69])],
    },
    `27000000 0500 0000 07000000 ${PID}  00000000  04 0000000000000040  01000000 02000000 6869`,
  ],
  [
    "RESULT (errno)",
    {
      type: FrameType.RESULT,
      reqid: 7,
      pid: 1000,
      errno: 2,
      message: "x",
      value: undefined,
      out: [],
    },
    `19000000 0500 0000 07000000 ${PID}  02000000  01000000 78`,
  ],
  [
    "INTERRUPT",
    { type: FrameType.INTERRUPT, reqid: 7, pid: 1000 },
    `10000000 0600 0000 07000000 ${PID}`,
  ],
  [
    "OUTPUT",
    { type: FrameType.OUTPUT, pid: 1000, stream: 1, data: new Uint8Array([0x6f, 0x6b]) },
    `1a000000 0700 0000 00000000 ${PID}  01000000  02000000 6f6b`,
  ],
  [
    "INPUT_REQ",
    { type: FrameType.INPUT_REQ, reqid: 3, pid: 1000, max: 4096 },
    `14000000 0800 0000 03000000 ${PID}  00100000`,
  ],
  [
    "INPUT (end of file)",
    { type: FrameType.INPUT, reqid: 3, pid: 1000, data: new Uint8Array(0) },
    `14000000 0900 0000 03000000 ${PID}  00000000`,
  ],
  [
    "KILLED",
    { type: FrameType.KILLED, reqid: 7, pid: 1000, status: 137 },
    `14000000 0a00 0000 07000000 ${PID}  89000000`,
  ],
];

for (const [name, frame, bytes] of FIXTURES) {
  Deno.test(`sysproxy protocol: ${name} emits its fixture and parses back from it`, () => {
    assertEquals(emitFrame(frame), hex(bytes));
    assertEquals(parseFrame(hex(bytes)), frame);
  });
}

Deno.test("sysproxy protocol: values of every tag encode to their fixture and back", () => {
  const v = { a: true, b: null, c: [undefined, "z"], d: new Uint8Array([1, 2]), e: false };
  const bytes = hex(`08 05000000  01000000 61 03  01000000 62 01
    01000000 63 07 02000000 00 05 01000000 7a  01000000 64 06 02000000 0102  01000000 65 02`);
  assertEquals(encodeValue(v), bytes);
  assertEquals(decodeValue(bytes), v);
  assertEquals(decodeValue(encodeValue(-1.5)), -1.5);
  assertEquals(decodeValue(hex("09 00040000")), new OutBuf(1024));
});

function bad(bytes: Uint8Array, kind: string, message: RegExp): void {
  assertThrows(() => parseFrame(bytes), (e: unknown) => {
    assert(e instanceof ProtocolError, `not a ProtocolError: ${e}`);
    assertEquals(e.kind, kind);
    assert(message.test(e.message), e.message);
    return true;
  });
}

Deno.test("sysproxy protocol: bad frames are ProtocolErrors naming what is wrong", () => {
  const ok = hex(`14000000 0800 0000 03000000 ${PID}  00100000`);
  bad(ok.subarray(0, 10), "malformed", /shorter than its header/);
  bad(ok.subarray(0, 18), "malformed", /length disagrees/);
  bad(hex(`14000000 0800 0100 03000000 ${PID} 00100000`), "malformed", /reserved/);
  bad(hex(`10000000 3000 0000 00000000 00000000`), "malformed", /unknown frame type 48/);
  bad(hex(`15000000 0800 0000 03000000 ${PID} 00100000 00`), "malformed", /trailing bytes/);
  bad(hex(`13000000 0800 0000 03000000 ${PID} 001000`), "malformed", /ends inside a field/);
  const huge = new Uint8Array(16);
  new DataView(huge.buffer).setUint32(0, MAX_FRAME + 1, true);
  bad(huge, "oversized", /frame of \d+ bytes/);
  // A CALL whose arguments: an unknown tag; a string that is not UTF-8; a lying count;
  // nesting past the limit; a __proto__ key; an output buffer over MAX_IO.
  const call = (args: string) => {
    const body = hex(`00000000 ${args}`);
    const f = new Uint8Array(16 + body.length);
    new DataView(f.buffer).setUint32(0, f.length, true);
    new DataView(f.buffer).setUint16(4, FrameType.CALL, true);
    f.set(body, 16);
    return f;
  };
  bad(call("0a"), "malformed", /unknown value tag 10/);
  bad(call("07 01000000 05 02000000 c328"), "malformed", /not UTF-8/);
  bad(call("07 ffffffff"), "malformed", /array count beyond/);
  bad(call("07 01000000 ".repeat(10) + "00"), "malformed", /nests too deep/);
  bad(call("07 01000000 08 01000000 09000000 5f5f70726f746f5f5f 01"), "malformed", /__proto__/);
  bad(call("07 01000000 09 00002000"), "oversized", /output buffer/);
  bad(call("05 00000000"), "malformed", /not a list/);
});

Deno.test("sysproxy protocol: the stream decoder cuts frames however the bytes arrive", () => {
  const frames = FIXTURES.map(([, f]) => emitFrame(f));
  const all = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  let off = 0;
  for (const f of frames) {
    all.set(f, off);
    off += f.length;
  }
  for (const step of [1, 3, 17, all.length]) {
    const d = new FrameDecoder();
    const got: Uint8Array[] = [];
    for (let i = 0; i < all.length; i += step) {
      d.push(all.subarray(i, i + step));
      for (let f = d.next(); f; f = d.next()) got.push(f);
    }
    assertEquals(got, frames);
    assertEquals(d.buffered, 0);
  }
  // A length field too large or too small is refused as soon as it is read.
  const d = new FrameDecoder();
  d.push(hex("ffffff7f"));
  assertThrows(
    () => d.next(),
    (e: unknown) => e instanceof ProtocolError && e.kind === "oversized",
  );
  const d2 = new FrameDecoder();
  d2.push(hex("05000000"));
  assertThrows(
    () => d2.next(),
    (e: unknown) => e instanceof ProtocolError && e.kind === "malformed",
  );
});
