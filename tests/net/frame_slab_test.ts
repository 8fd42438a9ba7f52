import assert from "node:assert/strict";
import { FrameSlab, GUARD_BYTES } from "../../net/frame_slab.ts";
import { prepend } from "../../net/if_ether.ts";

Deno.test("frame_slab: buffers are zeroed, private and never overlap, across slabs", () => {
  const s = new FrameSlab(4096);
  const got: Uint8Array[] = [];
  for (let i = 0; i < 20; i++) {
    const b = s.alloc(700 + i);
    assert.equal(b.length, 700 + i);
    assert.ok(b.every((x) => x === 0), "zeroed");
    b.fill(i + 1);
    got.push(b);
  }
  got.forEach((b, i) => assert.ok(b.every((x) => x === i + 1), `buffer ${i} untouched`));
});

Deno.test("frame_slab: copy is a private copy of its source", () => {
  const s = new FrameSlab();
  const src = new Uint8Array([1, 2, 3]);
  const c = s.copy(src);
  src[0] = 9;
  assert.deepEqual([...c], [1, 2, 3]);
});

Deno.test("frame_slab: a link header prepended in place stays in the buffer's own guard", () => {
  const s = new FrameSlab();
  const a = s.alloc(100).fill(0xaa);
  const b = s.alloc(60);
  assert.ok(GUARD_BYTES >= 14);
  const framed = prepend(b, 14);
  framed.fill(0x55, 0, 14);
  assert.ok(a.every((x) => x === 0xaa), "the neighbour is untouched");
});

Deno.test("frame_slab: a request above the carve limit gets a buffer of its own", () => {
  const s = new FrameSlab(65536, 2048);
  const big = s.alloc(5000);
  assert.equal(big.length, 5000);
  assert.equal(big.byteOffset, 0);
  assert.equal(big.buffer.byteLength, 5000);
});
