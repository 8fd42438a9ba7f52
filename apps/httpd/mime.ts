/**
 * mime.ts — Content-Type (RFC 9110 §8.3) from a file name's extension.
 *
 * Rules: the last extension decides, case-insensitively ("a.tar.gz" is gzip); a name with no
 * extension, or a dot file such as ".profile", is application/octet-stream (RFC 9110 §8.3
 * allows that when the type is unknown). Every text/* type carries "; charset=utf-8" so a
 * browser does not guess. Types are the IANA-registered ones (text/javascript per RFC 9239).
 */

const TYPES: Record<string, string> = {
  html: "text/html",
  htm: "text/html",
  txt: "text/plain",
  text: "text/plain",
  md: "text/markdown",
  csv: "text/csv",
  css: "text/css",
  js: "text/javascript",
  mjs: "text/javascript",
  json: "application/json",
  map: "application/json",
  xml: "application/xml",
  xhtml: "application/xhtml+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  svg: "image/svg+xml",
  ico: "image/vnd.microsoft.icon",
  webp: "image/webp",
  avif: "image/avif",
  bmp: "image/bmp",
  wasm: "application/wasm",
  pdf: "application/pdf",
  zip: "application/zip",
  gz: "application/gzip",
  tgz: "application/gzip",
  tar: "application/x-tar",
  mp3: "audio/mpeg",
  ogg: "audio/ogg",
  wav: "audio/wav",
  mp4: "video/mp4",
  webm: "video/webm",
  woff: "font/woff",
  woff2: "font/woff2",
  ttf: "font/ttf",
  otf: "font/otf",
};

export const DEFAULT_TYPE = "application/octet-stream";

/** The field value for each extension: TYPES with the charset parameter where it belongs. */
const VALUES = new Map<string, string>(
  Object.entries(TYPES).map(([ext, t]) => [ext, t.startsWith("text/") ? `${t}; charset=utf-8` : t]),
);

/** The Content-Type field value for a file name or path. */
export function contentTypeFor(path: string): string {
  const dot = path.lastIndexOf(".");
  // No dot in the last component, or only a leading one (a dot file).
  if (dot <= path.lastIndexOf("/") + 1) return DEFAULT_TYPE;
  return VALUES.get(path.slice(dot + 1).toLowerCase()) ?? DEFAULT_TYPE;
}
