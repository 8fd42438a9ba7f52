import assert from "node:assert/strict";
import { renderListing } from "../../../apps/httpd/listing.ts";

const T = 784111777000; // 06-Nov-1994 08:49
const text = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("listing: the full page for a small directory, byte for byte", () => {
  const html = text(renderListing("/pub/", [
    { name: "zeta.txt", type: "file", size: 12, mtimeMs: T },
    { name: "alpha", type: "dir", size: 0, mtimeMs: T },
  ]));
  assert.equal(
    html,
    '<!DOCTYPE html>\n<html>\n<head><meta charset="utf-8"><title>Index of /pub/</title></head>\n' +
      "<body>\n<h1>Index of /pub/</h1>\n<table>\n" +
      "<tr><th>Name</th><th>Last modified</th><th>Size</th></tr>\n" +
      '<tr><td><a href="../">../</a></td><td></td><td>-</td></tr>\n' +
      '<tr><td><a href="alpha/">alpha/</a></td><td>06-Nov-1994 08:49</td><td>-</td></tr>\n' +
      '<tr><td><a href="zeta.txt">zeta.txt</a></td><td>06-Nov-1994 08:49</td><td>12</td></tr>\n' +
      "</table>\n<hr>\n<address>rumpsim-httpd</address>\n</body>\n</html>\n",
  );
});

Deno.test("listing: the root has no parent link", () => {
  assert.ok(!text(renderListing("/", [])).includes('href="../"'));
});

Deno.test("listing: entries are sorted by name in code-unit order; . and .. are dropped", () => {
  const names = ["b", "B", "a", "é", "_", "10", "9", ".", "..", ".hidden"];
  const html = text(
    renderListing("/", names.map((name) => ({ name, type: "file", size: 1, mtimeMs: 0 }))),
  );
  const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
  assert.deepEqual(hrefs, [".hidden", "10", "9", "B", "_", "a", "b", "%C3%A9"]);
});

Deno.test("listing: names are HTML-escaped in text and percent-encoded in hrefs", () => {
  const html = text(renderListing("/d/", [
    { name: `<script>alert("x")</script>`, type: "file", size: 1, mtimeMs: 0 },
    { name: "a:b", type: "file", size: 1, mtimeMs: 0 },
    { name: "q?#%&'", type: "dir", size: 0, mtimeMs: 0 },
  ]));
  assert.ok(!html.includes("<script>"));
  assert.ok(html.includes(
    '<a href="%3Cscript%3Ealert%28%22x%22%29%3C%2Fscript%3E">' +
      "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</a>",
  ));
  assert.ok(html.includes('<a href="a%3Ab">a:b</a>'));
  assert.ok(html.includes('<a href="q%3F%23%25%26%27/">q?#%&amp;&#39;/</a>'));
});

Deno.test("listing: the directory path in the title is escaped", () => {
  const html = text(renderListing("/<b>&/", []));
  assert.match(html, /<title>Index of \/&lt;b&gt;&amp;\/<\/title>/);
});

Deno.test("listing: symlinks and other files show no size", () => {
  const html = text(renderListing("/", [
    { name: "l", type: "symlink", size: 5, mtimeMs: 0 },
    { name: "f", type: "file", size: 0, mtimeMs: 0 },
  ]));
  assert.match(html, /href="l">l<\/a><\/td><td>01-Jan-1970 00:00<\/td><td>-</);
  assert.match(html, /href="f">f<\/a><\/td><td>01-Jan-1970 00:00<\/td><td>0</);
});
