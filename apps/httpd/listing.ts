/**
 * listing.ts — the generated HTML listing of a directory that has no index file.
 *
 * Rules it keeps:
 * - Names are HTML-escaped in text and percent-encoded (UTF-8, all but unreserved) in hrefs,
 *   so a name like `a:b`, `x?y`, `#`, `<script>` or `%41` links to itself and nothing else.
 *   hrefs are relative to the directory, whose path always ends in "/".
 * - Entries are sorted by name in code-unit order (deterministic on every host, unlike
 *   locale collation); "." and ".." from the caller are dropped; a "../" link is added
 *   except at the root. Directories get a trailing slash, in text and href.
 * - Sizes are bytes for files and "-" for anything else; times are UTC,
 *   "dd-Mon-yyyy HH:MM" (the classic listing format).
 */

import { civilFromMs, MONTH_NAMES, pad2 } from "./date.ts";
import { escapeHtml } from "./html.ts";
import { encodeSegment } from "./path.ts";
import { SERVER_NAME } from "./response.ts";

export interface ListingEntry {
  name: string;
  type: "file" | "dir" | "symlink" | "other";
  size: number;
  mtimeMs: number;
}

function listingTime(ms: number): string {
  const c = civilFromMs(ms);
  return `${pad2(c.day)}-${MONTH_NAMES[c.month - 1]}-${c.year} ${pad2(c.hour)}:${pad2(c.minute)}`;
}

/** The listing page of the directory at document path `dirPath` (ending in "/"). */
export function renderListing(dirPath: string, entries: readonly ListingEntry[]): Uint8Array {
  const title = `Index of ${escapeHtml(dirPath)}`;
  const rows: string[] = [];
  if (dirPath !== "/") {
    rows.push(`<tr><td><a href="../">../</a></td><td></td><td>-</td></tr>`);
  }
  const sorted = entries
    .filter((e) => e.name !== "." && e.name !== ".." && e.name !== "")
    .slice()
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of sorted) {
    const slash = e.type === "dir" ? "/" : "";
    const href = escapeHtml(encodeSegment(e.name) + slash);
    const text = escapeHtml(e.name + slash);
    const size = e.type === "file" ? String(e.size) : "-";
    rows.push(
      `<tr><td><a href="${href}">${text}</a></td><td>${listingTime(e.mtimeMs)}</td>` +
        `<td>${size}</td></tr>`,
    );
  }
  const html =
    `<!DOCTYPE html>\n<html>\n<head><meta charset="utf-8"><title>${title}</title></head>\n` +
    `<body>\n<h1>${title}</h1>\n<table>\n` +
    `<tr><th>Name</th><th>Last modified</th><th>Size</th></tr>\n` +
    rows.map((r) => r + "\n").join("") +
    `</table>\n<hr>\n<address>${SERVER_NAME}</address>\n</body>\n</html>\n`;
  return new TextEncoder().encode(html);
}
