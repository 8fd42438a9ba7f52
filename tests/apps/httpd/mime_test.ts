import assert from "node:assert/strict";
import { contentTypeFor, DEFAULT_TYPE } from "../../../apps/httpd/mime.ts";

Deno.test("mime: common extensions map to their registered types", () => {
  const want: Record<string, string> = {
    "index.html": "text/html; charset=utf-8",
    "a.htm": "text/html; charset=utf-8",
    "notes.txt": "text/plain; charset=utf-8",
    "s.css": "text/css; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "mod.mjs": "text/javascript; charset=utf-8",
    "d.json": "application/json",
    "p.png": "image/png",
    "p.jpg": "image/jpeg",
    "p.jpeg": "image/jpeg",
    "p.gif": "image/gif",
    "p.svg": "image/svg+xml",
    "favicon.ico": "image/vnd.microsoft.icon",
    "m.wasm": "application/wasm",
    "doc.pdf": "application/pdf",
    "feed.xml": "application/xml",
    "a.zip": "application/zip",
    "a.gz": "application/gzip",
    "a.tar": "application/x-tar",
    "v.mp4": "video/mp4",
    "p.webp": "image/webp",
    "f.woff2": "font/woff2",
  };
  for (const [name, type] of Object.entries(want)) assert.equal(contentTypeFor(name), type, name);
});

Deno.test("mime: extensions are case-insensitive and the last one decides", () => {
  assert.equal(contentTypeFor("/x/INDEX.HTML"), "text/html; charset=utf-8");
  assert.equal(contentTypeFor("a.tar.gz"), "application/gzip");
  assert.equal(contentTypeFor("/dir.html/file.png"), "image/png");
});

Deno.test("mime: unknown, missing and dot-file extensions are application/octet-stream", () => {
  for (
    const n of [
      "README",
      "/a/b",
      "x.unknownext",
      ".profile",
      "/d/.hidden",
      "trailing.",
      "x.constructor",
      "x.__proto__",
    ]
  ) {
    assert.equal(contentTypeFor(n), DEFAULT_TYPE, n);
  }
  assert.equal(DEFAULT_TYPE, "application/octet-stream");
});

Deno.test("mime: every text/* type carries charset=utf-8", () => {
  for (const n of ["a.html", "a.txt", "a.css", "a.js", "a.md", "a.csv"]) {
    const t = contentTypeFor(n);
    assert.ok(t.startsWith("text/") && t.endsWith("; charset=utf-8"), t);
  }
});
