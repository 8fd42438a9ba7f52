import assert from "node:assert/strict";
import { encodePath, encodeSegment, targetToPath } from "../../../apps/httpd/path.ts";

function path(target: string): string {
  const r = targetToPath(target);
  assert.ok(r.ok, `${target}: ${JSON.stringify(r)}`);
  return r.path;
}

function status(target: string): number {
  const r = targetToPath(target);
  assert.ok(!r.ok, `${target} was accepted as ${JSON.stringify(r)}`);
  return r.status;
}

Deno.test("path: origin-form paths come back unchanged when already normal", () => {
  for (
    const p of ["/", "/a", "/a/b.html", "/dir/", "/a/b/c/", "/...", "/a..b", "/.hidden", "/a~b-c_d"]
  ) {
    assert.equal(path(p), p);
  }
});

Deno.test("path: the query is split off undecoded", () => {
  assert.deepEqual(targetToPath("/a/b?x=%2e%2e&y=/../"), {
    ok: true,
    path: "/a/b",
    query: "x=%2e%2e&y=/../",
  });
  assert.deepEqual(targetToPath("/?"), { ok: true, path: "/", query: "" });
  assert.deepEqual(targetToPath("/a"), { ok: true, path: "/a", query: null });
});

Deno.test("path: absolute-form is accepted by taking its path", () => {
  assert.equal(path("http://example.com/a/b"), "/a/b");
  assert.equal(path("HTTP://example.com:8080/a?q"), "/a");
  assert.equal(path("http://example.com"), "/");
  assert.equal(path("https://[::1]:443"), "/");
  const r = targetToPath("http://h?x=1");
  assert.deepEqual(r, { ok: true, path: "/", query: "x=1" });
  assert.equal(status("http://h/../etc/passwd"), 403);
});

Deno.test("path: authority-form, asterisk-form and other schemes are 400", () => {
  for (const t of ["*", "example.com:443", "ftp://h/a", "a/b", "mailto:x@y", "", "?q"]) {
    assert.equal(status(t), 400, t);
  }
});

Deno.test("path: percent-decoding happens once, hex in either case", () => {
  assert.equal(path("/a%20b"), "/a b");
  assert.equal(path("/%41%62%63"), "/Abc");
  assert.equal(path("/%e2%82%AC"), "/€");
  assert.equal(path("/%252e%252e/x"), "/%2e%2e/x"); // decoded once: a literal name
  assert.equal(path("/%25"), "/%");
});

Deno.test("path: raw UTF-8 bytes (one char per byte) decode like encoded ones", () => {
  assert.equal(path("/\xe2\x82\xac"), "/€");
});

Deno.test("path: invalid percent-encoding or invalid UTF-8 is 400", () => {
  for (const t of ["/%", "/%4", "/%zz", "/a%g0", "/%%41", "/%c3", "/%ff", "/%c0%ae"]) {
    assert.equal(status(t), 400, t);
  }
});

Deno.test("path: NUL, raw or encoded, is 400", () => {
  assert.equal(status("/a%00b"), 400);
  assert.equal(status("/a\x00b"), 400);
  assert.equal(status("/index.html%00.txt"), 400);
});

Deno.test("path: backslash, raw or encoded, is 400", () => {
  for (const t of ["/a\\b", "/..\\..\\etc", "/%5c", "/%5C..%5C..%5Cetc", "/a%5cb"]) {
    assert.equal(status(t), 400, t);
  }
});

Deno.test("path: a fragment is 400", () => {
  assert.equal(status("/a#b"), 400);
});

Deno.test("path: dot segments and empty segments are normalised", () => {
  const cases: Array<[string, string]> = [
    ["//", "/"],
    ["///a///b", "/a/b"],
    ["/a//", "/a/"],
    ["/./", "/"],
    ["/.", "/"],
    ["/a/.", "/a/"],
    ["/a/./b", "/a/b"],
    ["/a/b/..", "/a/"],
    ["/a/b/../", "/a/"],
    ["/a/b/../c", "/a/c"],
    ["/a/../b/../c/./d", "/c/d"],
    ["/a/..", "/"],
    ["/a/../", "/"],
    ["/a/b/../../c", "/c"],
    ["/a/%2e/b", "/a/b"],
    ["/a/%2E%2e/b", "/b"],
    ["/a%2fb", "/a/b"],
    ["/a%2F..%2Fb", "/b"],
    ["/a/.%2e", "/"],
    ["/a/%2e.", "/"],
  ];
  for (const [t, want] of cases) assert.equal(path(t), want, t);
});

Deno.test("path: every way of rising above the root is 403", () => {
  const attempts = [
    "/..",
    "/../",
    "/../etc/passwd",
    "/a/../..",
    "/a/../../etc/passwd",
    "/a/b/../../../x",
    "/./../x",
    "//../x",
    "/%2e%2e",
    "/%2e%2e/",
    "/%2E%2E/etc/passwd",
    "/%2e%2E/x",
    "/.%2e/x",
    "/%2e./x",
    "/..%2f",
    "/..%2Fetc%2Fpasswd",
    "/%2f..%2f..%2fetc",
    "/%2e%2e%2f%2e%2e%2fetc",
    "/a/%2e%2e/%2e%2e/x",
    "/a/./.././../x",
    "/a//..//..//x",
    "/%2F%2E%2E",
    "http://h/%2e%2e/x",
  ];
  for (const t of attempts) assert.equal(status(t), 403, t);
});

Deno.test("path: names that only look like dots stay inside the root", () => {
  for (const t of ["/...", "/..../x", "/..a", "/a..", "/. .", "/%2e%2e%2e", "/.%20."]) {
    const p = path(t);
    assert.ok(p.startsWith("/"), t);
    assert.ok(!p.split("/").includes(".."), `${t} → ${p}`);
  }
  assert.equal(path("/%252e%252e/%252e%252e"), "/%2e%2e/%2e%2e");
});

Deno.test("path: no accepted result contains a dot segment or an empty inner segment", () => {
  // A small exhaustive sweep over short targets built from the dangerous pieces.
  const pieces = ["/", "..", ".", "%2e", "%2E", "%2f", "a"];
  let checked = 0;
  const walk = (t: string, depth: number) => {
    if (depth === 0) {
      if (!t.startsWith("/")) return;
      checked++;
      const r = targetToPath(t);
      if (!r.ok) {
        assert.equal(r.status, 403, t);
        return;
      }
      const segs = r.path.split("/");
      assert.equal(segs[0], "", t);
      for (let i = 1; i < segs.length; i++) {
        assert.notEqual(segs[i], "..", t);
        assert.notEqual(segs[i], ".", t);
        if (i < segs.length - 1) assert.notEqual(segs[i], "", t);
      }
      return;
    }
    for (const p of pieces) walk(t + p, depth - 1);
  };
  for (let d = 1; d <= 6; d++) walk("", d);
  assert.ok(checked > 10000);
});

Deno.test("path: encodeSegment percent-encodes everything but unreserved, as UTF-8", () => {
  assert.equal(encodeSegment("a-b_c.d~E9"), "a-b_c.d~E9");
  assert.equal(encodeSegment("a b/c?d#e%f:g"), "a%20b%2Fc%3Fd%23e%25f%3Ag");
  assert.equal(encodeSegment("€"), "%E2%82%AC");
  assert.equal(encodePath("/a b/c€/"), "/a%20b/c%E2%82%AC/");
});

Deno.test("path: encoded paths decode back to themselves", () => {
  for (const p of ["/a b/c", "/€/x?y", "/%41", "/100%/a#b"]) {
    assert.equal(path(encodePath(p)), p);
  }
});

Deno.test("path: a plain target is its own path; near-plain ones still decode and normalise", () => {
  const cases: [string, string][] = [
    ["/hello.txt", "/hello.txt"],
    ["/a/b/", "/a/b/"],
    ["/", "/"],
    ["/a.b/c..d", "/a.b/c..d"],
    ["/a//b", "/a/b"],
    ["/a/./b", "/a/b"],
    ["/a/../b", "/b"],
    ["/a/.", "/a/"],
    ["/%61", "/a"],
    ["/.hidden", "/.hidden"],
  ];
  for (const [target, path] of cases) {
    const r = targetToPath(target + "?q=1");
    assert.ok(r.ok, target);
    assert.equal(r.path, path, target);
    assert.equal(r.query, "q=1");
  }
  assert.deepEqual(targetToPath("/a\\b"), { ok: false, status: 400, reason: "backslash in path" });
});
