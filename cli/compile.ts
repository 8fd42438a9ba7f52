/**
 * compile.ts — makes one image a single executable: bakes it, then `deno compile`s the
 * bundle.
 *
 *   deno task compile (--image NAME | --image-module FILE) [-o FILE]
 *
 * `deno compile` downloads Deno's runtime (denort) unless DENORT_BIN points at a local
 * copy; where the download host cannot be reached this says so and how to fix it, and
 * exits with status 3. The executable grants what `deno task boot` grants: files anywhere
 * (--blk, --pcap, --trace), the network on 127.0.0.1 only.
 * Rules: the bundle is a temporary file (the OS's temporary directory), removed on every
 * path; a bad command line is one line and status 2.
 */
import { bake, BAKE_USAGE } from "./bake.ts";
import { IMAGES } from "../images/mod.ts";
import { scanFlags, UsageError } from "./flags.ts";
import { enterCallerDirectory } from "./caller_dir.ts";

/** The exit status when Deno's runtime cannot be downloaded. */
export const RUNTIME_UNREACHABLE = 3;

/** What the executable may do: `deno task boot`'s permissions. */
export const COMPILE_PERMISSIONS = ["--allow-read", "--allow-write", "--allow-net=127.0.0.1"];

/** Where compile takes its image from and how it runs `deno compile`. */
export interface CompileOptions {
  /** A module of the user's that exports `image` or `world` (`--image-module`). */
  module?: string;
  /** Extra environment for `deno compile` (DENORT_BIN: a local runtime). */
  env?: Record<string, string>;
}

/** Bakes image `name` and compiles it into the executable `output`. */
export async function compile(
  name: string,
  output: string,
  opts: CompileOptions = {},
): Promise<{ code: number; message: string }> {
  const js = await Deno.makeTempFile({ prefix: "rumpsim-compile-", suffix: ".js" });
  try {
    const baked = await bake(name, js, { module: opts.module });
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["compile", "--quiet", "--no-check", ...COMPILE_PERMISSIONS, "-o", output, js],
      env: opts.env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (r.success) return { code: 0, message: `compiled ${baked.name} into ${output}` };
    const err = new TextDecoder().decode(r.stderr);
    if (/dl\.deno\.land|error sending request|dns error/i.test(err)) {
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

const COMPILE_FLAGS = {
  image: { type: "string" },
  "image-module": { type: "string" },
  output: { type: "string", short: "o" },
  help: { type: "boolean", short: "h" },
} as const;

/** The compile command line; returns the exit status. */
export async function compileMain(args: string[]): Promise<number> {
  let v;
  try {
    const scanned = scanFlags(args, COMPILE_FLAGS);
    if (scanned.argv !== undefined) throw new UsageError("compile takes no app arguments");
    v = scanned.values;
    if (v.help) {
      console.log(
        BAKE_USAGE.replace("deno task bake", "deno task compile")
          .replace("(default: out/NAME.js)", "(default: out/NAME)")
          .replace("[-o FILE.js]", "[-o FILE]")
          .replace(
            "Writes one image as one JavaScript file",
            "Writes one image as one executable (deno compile)",
          ),
      );
      return 0;
    }
    if (v.image === undefined && v["image-module"] === undefined) {
      throw new UsageError("name an image: --image NAME or --image-module FILE (see --help)");
    }
    if (v.image !== undefined && v["image-module"] !== undefined) {
      throw new UsageError("--image-module: give either --image or --image-module, not both");
    }
    if (v.image !== undefined && !Object.hasOwn(IMAGES, v.image)) {
      throw new UsageError(
        `--image: no image "${v.image}" (images: ${Object.keys(IMAGES).sort().join(", ")})`,
      );
    }
  } catch (e) {
    console.error(`compile: ${(e as Error).message}`);
    return 2;
  }
  const module = v["image-module"];
  const stem = v.image ??
    module!.split("/").pop()!.replace(/\.[jt]sx?$/, "").replaceAll("_", "-");
  const out = v.output ?? `out/${stem}`;
  try {
    await Deno.mkdir(out.split("/").slice(0, -1).join("/") || ".", { recursive: true });
    const r = await compile(v.image ?? "", out, { module });
    (r.code === 0 ? console.log : console.error)(
      r.code === 0 ? r.message : `compile: ${r.message}`,
    );
    return r.code;
  } catch (e) {
    console.error(`compile: ${(e as Error).message.split("\n")[0]}`);
    return e instanceof UsageError ? 2 : 1;
  }
}

if (import.meta.main) {
  enterCallerDirectory();
  Deno.exit(await compileMain(Deno.args));
}
