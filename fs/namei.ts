/**
 * namei.ts — path name lookup (NetBSD's namei and lookup_once).
 *
 * Rules:
 * - A path is absolute (from the root) or relative (from the cwd); empty is ENOENT. Paths
 *   of MAXPATHLEN bytes or more, and components over NAME_MAX bytes, are ENAMETOOLONG;
 *   repeated slashes count as one.
 * - Every directory passed through needs search (x) permission (EACCES), and a non-final
 *   component that is not a directory is ENOTDIR.
 * - "." stays; ".." goes up, stays at the root, and leaves a mounted file system through
 *   the directory it covers. A directory with a mount on it is entered at the mount's root.
 * - Symbolic links are followed in the middle of a path always, at the end when asked or
 *   when a trailing slash follows; more than MAXSYMLINKS in one lookup is ELOOP. A link's
 *   target is looked up from the link's directory (or the root if absolute).
 * - A trailing slash requires the final object to be a directory (ENOTDIR).
 * - With `parent`, the lookup returns the directory holding the final component and the
 *   name too; a missing final component is then not an error (vp is null). Every vnode
 *   returned is referenced and the caller releases it.
 */
import { ELOOP, ENAMETOOLONG, ENOENT, ENOTDIR, Errno } from "../kernel/kern/errno.ts";
import { checkAccess, type Cred, VEXEC } from "./kauth.ts";
import {
  MAXPATHLEN,
  MAXSYMLINKS,
  NAME_MAX,
  VDIR,
  VLNK,
  type Vnode,
  vref,
  vrele,
  type Wait,
} from "./vnode.ts";

/** Where a lookup starts and who asks. */
export interface NameiCtx {
  root: Vnode;
  cwd: Vnode;
  cred: Cred;
}

export interface NameiOpts {
  /** Follow a symbolic link in the final component. */
  follow: boolean;
  /** Return the final component's directory and name; allow it to be missing. */
  parent?: boolean;
}

export interface NameiResult {
  /** The directory holding the final component (only with `parent`). */
  dvp: Vnode | null;
  /** The final component ("." for "/"). */
  name: string;
  /** The object found (null if missing, only with `parent`). */
  vp: Vnode | null;
  /** The path ended in a slash. */
  trailingSlash: boolean;
}

/** Length of `s` in UTF-8 bytes. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Throws ENAMETOOLONG if `path` does not fit PATH_MAX with its NUL. */
export function checkPathLength(path: string): void {
  if (path.length * 3 < MAXPATHLEN) return; // no character takes more than 3 bytes (4 per pair)
  if (utf8Length(path) >= MAXPATHLEN) {
    throw new Errno(ENAMETOOLONG, `path of ${utf8Length(path)} bytes`);
  }
}

/** Throws ENAMETOOLONG if `name` is over NAME_MAX bytes. */
export function checkNameLength(name: string): void {
  if (name.length * 3 > NAME_MAX && utf8Length(name) > NAME_MAX) {
    throw new Errno(ENAMETOOLONG, `component "${name.slice(0, 16)}..." is too long`);
  }
}

/** True if `s` is one or more slashes. */
function onlySlashes(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) !== 0x2f) return false;
  return s.length > 0;
}

/** Checks search permission on directory `dvp` for `cred`. */
export function* searchCheck(dvp: Vnode, cred: Cred): Wait {
  if (cred.uid === 0) return;
  const va = yield* dvp.ops.getattr(dvp);
  checkAccess(va, VEXEC, cred, "search permission denied");
}

/** The parent of directory `dvp` (".."), crossing out of mounts; the root's is itself. */
export function* lookupDotDot(ctx: NameiCtx, dvp: Vnode): Wait<Vnode> {
  let d = dvp;
  while (d !== ctx.root && d.isRoot && d.mount.covered) d = d.mount.covered;
  if (d === ctx.root || (d.isRoot && !d.mount.covered)) return vref(d);
  return yield* d.ops.lookup(d, "..");
}

/** Enters the mounts stacked on `vp`, if any; consumes `vp`'s reference. */
function* crossMounts(vp: Vnode): Wait<Vnode> {
  while (vp.mountedHere && vp.mountedHere.rootVnode) {
    const root = vref(vp.mountedHere.rootVnode);
    yield* vrele(vp);
    vp = root;
  }
  return vp;
}

/** Looks `path` up; see the header for the rules. */
export function* namei(ctx: NameiCtx, path: string, opts: NameiOpts): Wait<NameiResult> {
  if (path === "") throw new Errno(ENOENT, "empty path");
  checkPathLength(path);
  let dvp = vref(path[0] === "/" ? ctx.root : ctx.cwd);
  let rest = path;
  let links = 0;
  try {
    for (;;) {
      let s = 0;
      while (s < rest.length && rest[s] === "/") s++;
      rest = rest.slice(s);
      if (rest === "") {
        // The path named a directory itself ("/", or a link to "/").
        const res = { dvp: null as Vnode | null, name: ".", vp: vref(dvp), trailingSlash: true };
        if (opts.parent) res.dvp = dvp;
        else yield* vrele(dvp);
        dvp = null!;
        return res;
      }
      const slash = rest.indexOf("/");
      const name = slash < 0 ? rest : rest.slice(0, slash);
      const after = slash < 0 ? "" : rest.slice(slash);
      const isLast = slash < 0 || onlySlashes(after);
      const trailingSlash = isLast && after !== "";
      checkNameLength(name);
      if (dvp.type !== VDIR) throw new Errno(ENOTDIR, `"${name}" is not in a directory`);
      yield* searchCheck(dvp, ctx.cred);

      let vp: Vnode;
      if (name === ".") vp = vref(dvp);
      else if (name === "..") vp = yield* lookupDotDot(ctx, dvp);
      else {
        try {
          vp = yield* dvp.ops.lookup(dvp, name);
        } catch (e) {
          if (isLast && opts.parent && e instanceof Errno && e.errno === ENOENT) {
            const res = { dvp, name, vp: null, trailingSlash };
            dvp = null!;
            return res;
          }
          throw e;
        }
        vp = yield* crossMounts(vp);
      }

      if (vp.type === VLNK && (!isLast || opts.follow || trailingSlash)) {
        let target: string;
        try {
          if (++links > MAXSYMLINKS) throw new Errno(ELOOP, path);
          target = yield* vp.ops.readlink(vp);
        } finally {
          yield* vrele(vp);
        }
        if (target === "") throw new Errno(ENOENT, "empty symbolic link");
        rest = target + after;
        checkPathLength(rest);
        if (target[0] === "/") {
          yield* vrele(dvp);
          dvp = vref(ctx.root);
        }
        continue;
      }

      if (isLast) {
        if (trailingSlash && vp.type !== VDIR) {
          yield* vrele(vp);
          throw new Errno(ENOTDIR, `"${name}/" is not a directory`);
        }
        const res = { dvp: null as Vnode | null, name, vp, trailingSlash };
        if (opts.parent) res.dvp = dvp;
        else yield* vrele(dvp);
        dvp = null!;
        return res;
      }
      yield* vrele(dvp);
      dvp = vp;
      rest = after;
    }
  } finally {
    if (dvp) yield* vrele(dvp);
  }
}

/** Looks up an object that must exist; returns it referenced. */
export function* lookupVnode(ctx: NameiCtx, path: string, follow: boolean): Wait<Vnode> {
  const r = yield* namei(ctx, path, { follow });
  return r.vp!;
}
