/**
 * bundle.ts — what both bakes share (bake.ts for an image, bake_wasm.ts for a WebAssembly
 * program): host bytes as a base64 literal for a generated module, the lines that link
 * the netdevs into a networked bundle, and `deno bundle` of the generated entry.
 *
 * Rules: the generated files are removed on every path out; a failed bundle is one Error
 * carrying `deno bundle`'s own message.
 */

/** `b` as base64, for a literal in a generated module. */
export { encodeBase64Bytes as base64 } from "./base64.ts";

/**
 * Generated code defining `userNetMod` and `tapNetMod` for the bundle's catalogue: the user
 * and tap netdevs for a networked image, nothing for another.
 */
export function netdevLinks(networked: boolean): string {
  return networked
    ? `import * as userNet from "./cli/user_net.ts";\nconst userNetMod = () => Promise.resolve(userNet);\n` +
      `import * as tapNet from "./cli/tap_net.ts";\nconst tapNetMod = () => Promise.resolve(tapNet);\n`
    : `const userNetMod = undefined;\nconst tapNetMod = undefined;\n`;
}

/** Bundles `entry` into `output` (one JS file), then removes `entry` and `temps`. */
export async function bundleEntry(
  entry: string,
  output: string,
  temps: string[] = [],
): Promise<void> {
  try {
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["bundle", "--quiet", "--platform", "deno", "-o", output, entry],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!r.success) {
      throw new Error(`deno bundle failed:\n${new TextDecoder().decode(r.stderr).trim()}`);
    }
  } finally {
    for (const f of [entry, ...temps]) await Deno.remove(f).catch(() => {});
  }
}
