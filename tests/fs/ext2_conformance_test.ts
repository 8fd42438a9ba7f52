/**
 * ext2_conformance_test.ts — ext2 runs the same VFS conformance suite as tmpfs, on a
 * fresh image made by mke2fs for each case (skipped where e2fsprogs is missing).
 */
import { registerFsType } from "../../fs/vfs_init.ts";
import { ext2Type } from "../../fs/ext2/vnops.ts";
import { conformanceSuite } from "./conformance.ts";
import { devOf, HAVE_E2FSPROGS, makeImage } from "./ext2/e2fs_tools.ts";

if (HAVE_E2FSPROGS) {
  const blank = await makeImage(async () => {}, { blockSize: 1024, blocks: 8192 });
  conformanceSuite({
    name: "ext2",
    *mount({ k, sys }) {
      registerFsType(k, ext2Type);
      yield* sys.mount("ext2", "/mnt", 0, { dev: devOf(blank.bytes.slice()) });
    },
  });
} else {
  Deno.test({ name: "ext2 conformance: needs e2fsprogs (mke2fs)", ignore: true, fn() {} });
}
