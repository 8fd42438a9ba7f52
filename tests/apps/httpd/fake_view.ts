/**
 * fake_view.ts — an in-memory FileView for the httpd handler tests: files, directories,
 * symbolic links (absolute or relative) and "other" nodes, keyed by canonical path, with
 * realpath-style `resolve` and lstat-style `stat` as handler.ts's contract asks.
 */

import type { FileStat, FileView } from "../../../apps/httpd/handler.ts";

type Node =
  | { type: "file"; content: Uint8Array; mtimeMs: number; mode: number }
  | { type: "dir"; mtimeMs: number; mode: number }
  | { type: "symlink"; target: string; mtimeMs: number; mode: number }
  | { type: "other"; mtimeMs: number; mode: number };

export class FakeView implements FileView {
  readonly nodes = new Map<string, Node>();
  /** Set false to act as a view without `resolve`. */
  withResolve = true;

  constructor() {
    this.nodes.set("/", { type: "dir", mtimeMs: 0, mode: 0o755 });
  }

  file(path: string, content: string | Uint8Array, mtimeMs = 0, mode = 0o644): this {
    const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
    this.#parents(path, mtimeMs);
    this.nodes.set(path, { type: "file", content: bytes, mtimeMs, mode });
    return this;
  }

  dir(path: string, mtimeMs = 0, mode = 0o755): this {
    this.#parents(path, mtimeMs);
    this.nodes.set(path, { type: "dir", mtimeMs, mode });
    return this;
  }

  link(path: string, target: string): this {
    this.#parents(path, 0);
    this.nodes.set(path, { type: "symlink", target, mtimeMs: 0, mode: 0o777 });
    return this;
  }

  other(path: string): this {
    this.#parents(path, 0);
    this.nodes.set(path, { type: "other", mtimeMs: 0, mode: 0o666 });
    return this;
  }

  #parents(path: string, mtimeMs: number): void {
    const parts = path.split("/").filter(Boolean);
    for (let i = 1; i < parts.length; i++) {
      const p = "/" + parts.slice(0, i).join("/");
      if (!this.nodes.has(p)) this.nodes.set(p, { type: "dir", mtimeMs, mode: 0o755 });
    }
  }

  /** The bytes of a file (by canonical path), for assembling responses. */
  content(path: string): Uint8Array {
    const n = this.nodes.get(path);
    if (n?.type !== "file") throw new Error(`not a file: ${path}`);
    return n.content;
  }

  #realpath(path: string): string | null {
    const todo = path.split("/").filter(Boolean);
    const done: string[] = [];
    let hops = 0;
    while (todo.length > 0) {
      const c = todo.shift()!;
      if (c === ".") continue;
      if (c === "..") {
        done.pop();
        continue;
      }
      const p = "/" + [...done, c].join("/");
      const n = this.nodes.get(p);
      if (n === undefined) return null;
      if (n.type === "symlink") {
        if (++hops > 32) return null; // ELOOP
        if (n.target.startsWith("/")) done.length = 0;
        todo.unshift(...n.target.split("/").filter(Boolean));
        continue;
      }
      done.push(c);
    }
    return "/" + done.join("/");
  }

  get resolve(): ((path: string) => string | null) | undefined {
    return this.withResolve ? (p) => this.#realpath(p) : undefined;
  }

  stat(path: string): FileStat | null {
    const slash = path.lastIndexOf("/");
    const parent = slash <= 0 ? "/" : this.#realpath(path.slice(0, slash));
    if (parent === null) return null;
    const name = path.slice(slash + 1);
    const full = name === "" ? parent : parent === "/" ? "/" + name : `${parent}/${name}`;
    const n = this.nodes.get(full);
    if (n === undefined) return null;
    const size = n.type === "file" ? n.content.length : n.type === "symlink" ? n.target.length : 0;
    return { type: n.type, size, mtimeMs: n.mtimeMs, mode: n.mode };
  }

  list(path: string): Array<{ name: string; stat: FileStat }> | null {
    if (this.nodes.get(path)?.type !== "dir") return null;
    const prefix = path === "/" ? "/" : path + "/";
    const out: Array<{ name: string; stat: FileStat }> = [];
    for (const key of this.nodes.keys()) {
      if (key === path || !key.startsWith(prefix)) continue;
      const name = key.slice(prefix.length);
      if (name.includes("/")) continue;
      out.push({ name, stat: this.stat(key)! });
    }
    return out;
  }
}
