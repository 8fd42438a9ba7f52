/**
 * ustar.ts — the root file tree baked into an image, as a POSIX ustar archive
 * (IEEE Std 1003.1, "pax" utility, ustar Interchange Format; rumprun's cookfs role).
 *
 * Rules: pax-free ustar only. Each entry is a 512-byte header (octal numeric fields
 * NUL-terminated, a checksum over the header with the checksum field read as spaces,
 * magic "ustar\0" version "00"), then the data padded to 512 bytes; the archive ends with
 * two zero blocks. Paths up to 100 bytes go in `name`; longer ones (up to 255) are split
 * at a '/' into `prefix` and `name`. Unpacking verifies every checksum and length and
 * throws an Error naming the entry and offset on a bad or truncated archive; paths are
 * made relative ("./x" and "/x" become "x") and ".." components are refused. Hard links
 * unpack as copies of the file they name; other entry types are refused.
 */

export type UstarType = "file" | "dir" | "symlink";

export interface UstarEntry {
  /** Relative path, '/'-separated, without a trailing '/' ("." for the root itself). */
  path: string;
  type: UstarType;
  /** Permission bits (07777). */
  mode: number;
  mtimeSec: number;
  uid?: number;
  gid?: number;
  /** File contents (files only). */
  data?: Uint8Array;
  /** Target (symlinks only). */
  linkname?: string;
}

const BLOCK = 512;
const te = new TextEncoder();
const td = new TextDecoder();

/** Field offsets and lengths in the header. */
const F = {
  name: [0, 100],
  mode: [100, 8],
  uid: [108, 8],
  gid: [116, 8],
  size: [124, 12],
  mtime: [136, 12],
  chksum: [148, 8],
  typeflag: [156, 1],
  linkname: [157, 100],
  magic: [257, 6],
  version: [263, 2],
  uname: [265, 32],
  gname: [297, 32],
  devmajor: [329, 8],
  devminor: [337, 8],
  prefix: [345, 155],
} as const;

const TYPE_FLAG: Record<UstarType, number> = { file: 0x30, dir: 0x35, symlink: 0x32 };

function putString(h: Uint8Array, field: readonly [number, number], s: Uint8Array, what: string) {
  if (s.length > field[1]) throw new Error(`ustar: ${what} is over ${field[1]} bytes`);
  h.set(s, field[0]);
}

/** Writes `v` as zero-padded octal with a terminating NUL, filling the field. */
function putOctal(h: Uint8Array, field: readonly [number, number], v: number, what: string) {
  const digits = field[1] - 1;
  if (!Number.isSafeInteger(v) || v < 0 || v >= 8 ** digits) {
    throw new Error(`ustar: ${what} ${v} does not fit ${digits} octal digits`);
  }
  putString(h, field, te.encode(v.toString(8).padStart(digits, "0")), what);
}

/** The header checksum: the sum of its bytes, the checksum field counted as spaces. */
function checksum(h: Uint8Array, signed = false): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = signed ? (h[i] << 24) >> 24 : h[i];
    sum += i >= F.chksum[0] && i < F.chksum[0] + F.chksum[1] ? 0x20 : b;
  }
  return sum;
}

/** Splits a path into ustar prefix and name. */
function splitPath(path: Uint8Array, shown: string): [Uint8Array, Uint8Array] {
  if (path.length <= F.name[1]) return [new Uint8Array(0), path];
  if (path.length > F.prefix[1] + 1 + F.name[1]) {
    throw new Error(`ustar: path ${shown} is over 255 bytes`);
  }
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] !== 0x2f) continue;
    if (i <= F.prefix[1] && path.length - i - 1 <= F.name[1] && i < path.length - 1) {
      return [path.subarray(0, i), path.subarray(i + 1)];
    }
  }
  throw new Error(
    `ustar: path ${shown} cannot be split into a 155-byte prefix and a 100-byte name`,
  );
}

function header(e: UstarEntry): Uint8Array {
  const h = new Uint8Array(BLOCK);
  let p = e.path.replace(/\/+$/, "");
  if (p === "" || p === ".") p = ".";
  const raw = te.encode(e.type === "dir" ? `${p}/` : p);
  const [prefix, name] = splitPath(raw, JSON.stringify(e.path));
  putString(h, F.name, name, "name");
  putString(h, F.prefix, prefix, "prefix");
  putOctal(h, F.mode, e.mode & 0o7777, "mode");
  putOctal(h, F.uid, e.uid ?? 0, "uid");
  putOctal(h, F.gid, e.gid ?? 0, "gid");
  putOctal(h, F.size, e.type === "file" ? (e.data?.length ?? 0) : 0, "size");
  putOctal(h, F.mtime, Math.floor(e.mtimeSec), "mtime");
  h[F.typeflag[0]] = TYPE_FLAG[e.type];
  if (e.type === "symlink") {
    if (!e.linkname) throw new Error(`ustar: symlink ${e.path} has no target`);
    putString(h, F.linkname, te.encode(e.linkname), `link target of ${e.path}`);
  }
  putString(h, F.magic, te.encode("ustar\0"), "magic");
  putString(h, F.version, te.encode("00"), "version");
  putOctal(h, F.devmajor, 0, "devmajor");
  putOctal(h, F.devminor, 0, "devminor");
  // Checksum: six octal digits, NUL, space (as every tar writes it).
  const sum = checksum(h);
  putString(h, F.chksum, te.encode(sum.toString(8).padStart(6, "0") + "\0 "), "chksum");
  return h;
}

/** Packs entries, in the order given, into a ustar archive. */
export function packUstar(entries: UstarEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const e of entries) {
    const h = header(e);
    parts.push(h);
    total += BLOCK;
    if (e.type === "file" && e.data && e.data.length > 0) {
      parts.push(e.data);
      const padded = Math.ceil(e.data.length / BLOCK) * BLOCK;
      if (padded > e.data.length) parts.push(new Uint8Array(padded - e.data.length));
      total += padded;
    }
  }
  total += 2 * BLOCK;
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function getString(h: Uint8Array, field: readonly [number, number]): Uint8Array {
  const s = h.subarray(field[0], field[0] + field[1]);
  const nul = s.indexOf(0);
  return nul >= 0 ? s.subarray(0, nul) : s;
}

function getOctal(h: Uint8Array, field: readonly [number, number], where: string): number {
  const s = td.decode(getString(h, field)).replace(/[ \0]+$/, "").replace(/^ +/, "");
  if (s === "") return 0;
  if (!/^[0-7]+$/.test(s)) {
    throw new Error(
      `ustar: ${where}: field at byte ${field[0]} is not octal: ${JSON.stringify(s)}`,
    );
  }
  return parseInt(s, 8);
}

function normalize(path: string, where: string): string {
  const parts = path.split("/").filter((c) => c !== "" && c !== ".");
  if (parts.includes("..")) {
    throw new Error(`ustar: ${where}: path ${JSON.stringify(path)} has '..'`);
  }
  return parts.length === 0 ? "." : parts.join("/");
}

function isZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** Unpacks a ustar archive, verifying it; throws an Error on anything malformed. */
export function unpackUstar(bytes: Uint8Array): UstarEntry[] {
  const out: UstarEntry[] = [];
  const files = new Map<string, UstarEntry>();
  let off = 0;
  for (;;) {
    if (off + BLOCK > bytes.length) {
      throw new Error(`ustar: archive is truncated: no end-of-archive blocks after byte ${off}`);
    }
    const h = bytes.subarray(off, off + BLOCK);
    if (isZero(h)) return out; // end of archive (one zero block is accepted, as tar does)
    const where = `header at byte ${off}`;
    const stored = getOctal(h, F.chksum, where);
    const sum = checksum(h);
    // Some old tars summed signed bytes; both are accepted, as GNU tar does.
    if (stored !== sum && stored !== checksum(h, true)) {
      throw new Error(`ustar: ${where}: bad checksum (stored ${stored}, computed ${sum})`);
    }
    const magic = td.decode(h.subarray(F.magic[0], F.magic[0] + 5));
    if (magic !== "ustar") throw new Error(`ustar: ${where}: not a ustar header`);
    const prefix = td.decode(getString(h, F.prefix));
    const name = td.decode(getString(h, F.name));
    const rawPath = prefix ? `${prefix}/${name}` : name;
    const path = normalize(rawPath, where);
    const size = getOctal(h, F.size, where);
    const flag = h[F.typeflag[0]];
    const mode = getOctal(h, F.mode, where) & 0o7777;
    const common = {
      path,
      mode,
      mtimeSec: getOctal(h, F.mtime, where),
      uid: getOctal(h, F.uid, where),
      gid: getOctal(h, F.gid, where),
    };
    off += BLOCK;
    const dataEnd = off + size;
    if (dataEnd > bytes.length) {
      throw new Error(`ustar: archive is truncated in the data of ${JSON.stringify(rawPath)}`);
    }
    const linkname = td.decode(getString(h, F.linkname));
    let entry: UstarEntry;
    if (flag === 0x30 || flag === 0 || flag === 0x37) {
      entry = { ...common, type: "file", data: bytes.slice(off, dataEnd) };
      files.set(path, entry);
    } else if (flag === 0x35) {
      entry = { ...common, type: "dir" };
    } else if (flag === 0x32) {
      entry = { ...common, type: "symlink", linkname };
    } else if (flag === 0x31) {
      const target = files.get(normalize(linkname, where));
      if (!target) {
        throw new Error(
          `ustar: ${where}: hard link to ${JSON.stringify(linkname)}, not in the archive`,
        );
      }
      entry = { ...common, type: "file", data: target.data!.slice() };
      files.set(path, entry);
    } else {
      throw new Error(
        `ustar: ${where}: unsupported entry type ${JSON.stringify(String.fromCharCode(flag))} for ${
          JSON.stringify(rawPath)
        }`,
      );
    }
    out.push(entry);
    off += Math.ceil(size / BLOCK) * BLOCK;
  }
}
