/** MemBlockDevice: whole-sector transfers, EIO past the end, EROFS when read-only. */
import assert from "node:assert/strict";
import { MemBlockDevice } from "../../fs/bdev_mem.ts";

function run<T>(g: Generator<unknown, T, unknown>): T {
  const r = g.next();
  if (!r.done) throw new Error("waited");
  return r.value;
}

Deno.test("bdev_mem: a written sector reads back and shows in the bytes", () => {
  const dev = MemBlockDevice.zeroed(8);
  assert.equal(dev.sectors, 8);
  run(dev.write(3, new Uint8Array(1024).fill(0x5a)));
  const buf = new Uint8Array(512);
  run(dev.read(4, buf));
  assert.ok(buf.every((b) => b === 0x5a));
  assert.equal(dev.bytes[3 * 512], 0x5a);
  assert.equal(dev.bytes[5 * 512], 0);
});

Deno.test("bdev_mem: transfers past the end or of partial sectors fail with EIO", () => {
  const dev = MemBlockDevice.zeroed(8);
  assert.throws(() => run(dev.read(7, new Uint8Array(1024))), {
    code: "EIO",
    message: /sectors 7\.\.8 is past the end \(8 sectors\)/,
  });
  assert.throws(() => run(dev.write(0, new Uint8Array(100))), { code: "EIO" });
  assert.throws(() => run(dev.read(-1, new Uint8Array(512))), { code: "EIO" });
});

Deno.test("bdev_mem: a read-only device refuses writes with EROFS", () => {
  const dev = new MemBlockDevice(new Uint8Array(4096), { readOnly: true });
  assert.throws(() => run(dev.write(0, new Uint8Array(512))), { code: "EROFS" });
});
