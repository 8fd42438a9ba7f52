import assert from "node:assert/strict";
import { RUMPUSER_OPEN_RDONLY } from "../../kernel/hypercall/rumpuser.ts";
import { runInHwKernel } from "../support/hw.ts";
import { runInKernel } from "../support/kernel.ts";
import { fileConformance } from "./file_conformance.ts";

fileConformance("hosted", (body, opts) => runInKernel(body, opts).value!);

Deno.test("rumpuser(hw) files: a platform without host files answers ENOSYS", () => {
  const ENOSYS = 78;
  runInHwKernel(function* (k) {
    assert.equal(k.hyp.open("/etc/passwd", RUMPUSER_OPEN_RDONLY), -ENOSYS);
    assert.equal(k.hyp.getfileinfo("/"), ENOSYS);
  });
});
