/**
 * caller_dir.ts — relative paths on the command line mean what the user meant: `deno task`
 * runs its command in the directory of deno.json and says where it was started in
 * INIT_CWD; the command line moves back there first, so `--pcap x.pcap`, `--blk disk.img`,
 * `--image-module my_image.ts` and `-o out.js` name files where the user stands.
 *
 * Rules: only when INIT_CWD may be read (the tasks grant `--allow-env=INIT_CWD`; no prompt
 * is ever shown) and names a directory; otherwise the current directory stays.
 */

/** Changes to the directory `deno task` was started in, if known; returns it or null. */
export function enterCallerDirectory(): string | null {
  try {
    const q = Deno.permissions.querySync({ name: "env", variable: "INIT_CWD" });
    if (q.state !== "granted") return null;
    const dir = Deno.env.get("INIT_CWD");
    if (!dir || dir === Deno.cwd()) return null;
    Deno.chdir(dir);
    return dir;
  } catch {
    return null; // gone, or not readable: relative paths stay relative to deno.json's folder
  }
}
