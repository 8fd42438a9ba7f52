import assert from "node:assert/strict";
import { type Catalog, main, parseCli } from "../../cli/cli.ts";
import { image as hello } from "../../images/hello.ts";
import { checkNesting, parseTrace } from "../support/trace_check.ts";

const catalog: Catalog = {
  images: { hello: { description: "hello", load: () => Promise.resolve(hello) } },
  defaultImage: "hello",
};

Deno.test("cli --trace: takes a file name", () => {
  assert.equal(parseCli(["--trace", "t.json"], catalog).trace, "t.json");
  assert.equal(parseCli([], catalog).trace, undefined);
});

Deno.test("cli --trace: a hello boot writes a JSON timeline, the same bytes for the same seed", async () => {
  const a = await Deno.makeTempFile({ suffix: ".json" });
  const b = await Deno.makeTempFile({ suffix: ".json" });
  try {
    assert.equal(await main(["--image", "hello", "--seed", "5", "--trace", a], catalog), 0);
    assert.equal(await main(["--image", "hello", "--seed", "5", "--trace", b], catalog), 0);
    const text = await Deno.readTextFile(a);
    const events = parseTrace(text);
    checkNesting(events);
    assert.ok(events.some((e) => e.ph === "B" && e.cat === "syscall" && e.name === "write"));
    assert.equal(text, await Deno.readTextFile(b));
  } finally {
    await Deno.remove(a);
    await Deno.remove(b);
  }
});
