/**
 * tmpfs_conformance_test.ts — tmpfs runs the VFS conformance suite.
 */
import { conformanceSuite } from "./conformance.ts";

conformanceSuite({
  name: "tmpfs",
  *mount({ sys }) {
    yield* sys.mount("tmpfs", "/mnt", 0, { size: "4M" });
  },
});
