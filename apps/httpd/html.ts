/**
 * html.ts — escaping text for HTML (generated error pages and directory listings).
 *
 * Rule: every piece of outside text (paths, file names) placed in generated HTML goes through
 * `escapeHtml`, in element content and in double- or single-quoted attribute values alike.
 */

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}
