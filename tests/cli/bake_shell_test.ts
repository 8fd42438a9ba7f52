import assert from "node:assert/strict";
import { bake } from "../../cli/bake.ts";

Deno.test("bake: the shell image's bundle embeds its root tree and runs without reading the host", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = `${dir}/shell.js`;
    await bake("shell", out);
    // No permissions at all: the root tree must come from the bundle itself.
    const run = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "--no-prompt", out, "--", "-c", "cat /etc/motd; ls -l /bin"],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(run.stdout).replaceAll("\r\n", "\n");
    assert.equal(run.code, 0, text + new TextDecoder().decode(run.stderr));
    assert.match(text, /cookfs: 6 entries unpacked from root\.tar into \/\n/);
    assert.match(
      text,
      /\nWelcome to rumpsim: a rump kernel on a simulated PC\.\ntotal \d+\n-rwxr-xr-x {2}1 root {2}wheel {2}\d+ .* hello\.sh\n/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
