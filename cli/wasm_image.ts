/**
 * wasm_image.ts — `--wasm PROG.wasm`: the POSIX image (images/posix.ts) running a
 * WebAssembly program read from the host.
 *
 * Rules: the file is read and the module checked before boot; a file that cannot be read
 * or a module the loader refuses (an unknown import, not built with deno task cc) is a
 * one-line UsageError naming --wasm. The machine gets a NIC only when the command line
 * asks for a network (--netdev user or tap, --hostfwd, --hosts), so a program without one
 * runs in virtual time.
 */
import { posixImage } from "../images/posix.ts";
import type { Image } from "../kernel/syscall/image.ts";
import { loadWasm } from "../wasm/loader.ts";
import { UsageError } from "./flags.ts";

export interface WasmFlags {
  wasm: string;
  netdev?: string;
  hostfwd?: unknown[];
  hosts?: Record<string, string>;
  argv?: string[];
}

/** The image for `--wasm FILE`; throws UsageError with one line. */
export function wasmImage(o: WasmFlags): Image {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(o.wasm);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound ? "no such file" : (e as Error).message;
    throw new UsageError(`--wasm: cannot read ${o.wasm}: ${why}`);
  }
  const name = o.wasm.split("/").pop()!.replace(/\.wasm$/, "");
  try {
    const prog = loadWasm(name, bytes);
    const network = o.netdev === "user" || o.netdev === "tap" || o.hostfwd !== undefined ||
      o.hosts !== undefined;
    return posixImage(prog, { args: o.argv ?? [], network });
  } catch (e) {
    throw new UsageError(`--wasm: ${(e as Error).message}`);
  }
}
