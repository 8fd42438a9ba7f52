/**
 * compile.ts — makes one image a single executable: bakes it, then `deno compile`s the
 * bundle.
 *
 *   deno task compile --image NAME -o FILE
 *
 * `deno compile` downloads Deno's runtime (denort) unless DENORT_BIN points at a local
 * copy; where the download host cannot be reached this says so and how to fix it, and
 * exits with status 3 (tests skip on it).
 */
import { parseArgs } from "node:util";
import { bake } from "./bake.ts";

export const RUNTIME_UNREACHABLE = 3;

export async function compile(
  name: string,
  output: string,
): Promise<{ code: number; message: string }> {
  const js = await Deno.makeTempFile({ suffix: ".js" });
  try {
    await bake(name, js);
    const r = await new Deno.Command(Deno.execPath(), {
      args: [
        "compile",
        "--quiet",
        "--allow-read=.",
        "--allow-write=.",
        "--allow-net=127.0.0.1",
        "-o",
        output,
        js,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (r.success) return { code: 0, message: `compiled ${name} into ${output}` };
    const err = new TextDecoder().decode(r.stderr);
    if (/dl\.deno\.land|denort|error sending request|dns error/i.test(err)) {
      return {
        code: RUNTIME_UNREACHABLE,
        message: "deno compile needs Deno's runtime (denort) and could not download it from " +
          "dl.deno.land; download denort for this Deno version on a machine that can, then " +
          "set DENORT_BIN=/path/to/denort and run this again",
      };
    }
    return { code: 1, message: `deno compile failed:\n${err.trim()}` };
  } finally {
    await Deno.remove(js).catch(() => {});
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { image: { type: "string" }, output: { type: "string", short: "o" } },
    strict: true,
  });
  const name = values.image ?? "hello";
  const r = await compile(name, values.output ?? `out/${name}`);
  (r.code === 0 ? console.log : console.error)(r.code === 0 ? r.message : `compile: ${r.message}`);
  Deno.exit(r.code);
}
