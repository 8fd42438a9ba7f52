/**
 * sh_parse.ts — the shell's grammar (a small subset of POSIX sh, XCU 2.2–2.9): words with
 * quoting, parameters, lists joined by `;`, `&&`, `||` and newlines, and redirections.
 *
 * Rules: pure. Quoting follows XCU 2.2: a backslash outside quotes keeps the next
 * character (and a backslash-newline disappears); single quotes keep everything up to the
 * next single quote; inside double quotes a backslash escapes only `$`, `` ` ``, `"`, `\`
 * and newline, and parameters expand. Parameters (`$?`, `$#`, `$0`..`$9`, `$NAME`,
 * `${NAME}`) are kept as parts of a word and expanded when the command runs (so
 * `false; echo $?` prints 1); there is no field splitting or globbing. A word that is only
 * unquoted parameters expanding to nothing is removed. Redirections are `[n]>`, `[n]>>`,
 * `[n]<` with a file word and `[n]>&m`, `[n]<&m` with a descriptor. `#` at the start of a
 * word starts a comment to the end of the line. A syntax error throws `ShSyntaxError`.
 */

/** A piece of a word: literal text, or a parameter to expand. */
export type WordPart = { lit: string } | { param: string; quoted: boolean };

/** A word before expansion. `quoted` is set when any part of it was quoted. */
export interface Word {
  parts: WordPart[];
  quoted: boolean;
}

export type RedirOp = ">" | ">>" | "<" | ">&" | "<&";

export interface Redir {
  /** The descriptor redirected. */
  fd: number;
  op: RedirOp;
  /** A file name, or for `>&`/`<&` a descriptor number. */
  target: Word;
}

export interface SimpleCommand {
  words: Word[];
  redirs: Redir[];
}

/** One command of a list and how it joins the one before it. */
export interface ListItem {
  /** ";" for the first command and after `;` or a newline. */
  join: ";" | "&&" | "||";
  cmd: SimpleCommand;
}

export class ShSyntaxError extends Error {
  constructor(msg: string) {
    super(msg);
    this.name = "ShSyntaxError";
  }
}

type Token =
  | { t: "word"; w: Word; fdPrefix: number | null }
  | { t: "op"; op: ";" | "&&" | "||" | "\n" | "&" | "|" }
  | { t: "redir"; op: RedirOp; fd: number | null };

const SPECIAL_IN_DQ = new Set(["$", "`", '"', "\\", "\n"]);
const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

/** Splits `src` into tokens. */
function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i];
    if (c === " " || c === "\t" || c === "\r") {
      i++;
      continue;
    }
    if (c === "\\" && src[i + 1] === "\n") {
      i += 2;
      continue;
    }
    if (c === "#") {
      while (i < n && src[i] !== "\n") i++;
      continue;
    }
    if (c === "\n" || c === ";") {
      out.push({ t: "op", op: c });
      i++;
      continue;
    }
    if (c === "&" || c === "|") {
      if (src[i + 1] === c) {
        out.push({ t: "op", op: c === "&" ? "&&" : "||" });
        i += 2;
      } else {
        out.push({ t: "op", op: c });
        i++;
      }
      continue;
    }
    if (c === ">" || c === "<") {
      i = redirOp(src, i, null, out);
      continue;
    }
    // A word.
    const parts: WordPart[] = [];
    let lit = "";
    let quoted = false;
    let digitsOnly = true;
    const flush = () => {
      if (lit) parts.push({ lit });
      lit = "";
    };
    const param = (inDq: boolean): void => {
      // At src[i] === "$".
      const d = src[i + 1];
      if (d === "{") {
        const end = src.indexOf("}", i + 2);
        if (end < 0) throw new ShSyntaxError("missing '}'");
        const name = src.slice(i + 2, end);
        if (!/^([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[?#$])$/.test(name)) {
          throw new ShSyntaxError(`\${${name}}: bad substitution`);
        }
        flush();
        parts.push({ param: name, quoted: inDq });
        i = end + 1;
      } else if (d !== undefined && (d === "?" || d === "#" || d === "$" || /[0-9]/.test(d))) {
        flush();
        parts.push({ param: d, quoted: inDq });
        i += 2;
      } else if (d !== undefined && NAME_START.test(d)) {
        let j = i + 1;
        while (j < n && NAME_CHAR.test(src[j])) j++;
        flush();
        parts.push({ param: src.slice(i + 1, j), quoted: inDq });
        i = j;
      } else {
        lit += "$";
        i++;
      }
    };
    while (i < n) {
      const ch = src[i];
      if (" \t\r\n;&|<>".includes(ch)) break;
      if (ch !== "\\" && !/[0-9]/.test(ch)) digitsOnly = false;
      if (ch === "\\") {
        digitsOnly = false;
        quoted = true;
        if (i + 1 >= n) {
          lit += "\\";
          i++;
        } else if (src[i + 1] === "\n") {
          i += 2;
        } else {
          lit += src[i + 1];
          i += 2;
        }
      } else if (ch === "'") {
        quoted = true;
        const end = src.indexOf("'", i + 1);
        if (end < 0) throw new ShSyntaxError("unterminated quoted string");
        lit += src.slice(i + 1, end);
        i = end + 1;
      } else if (ch === '"') {
        quoted = true;
        i++;
        for (;;) {
          if (i >= n) throw new ShSyntaxError("unterminated quoted string");
          const q = src[i];
          if (q === '"') {
            i++;
            break;
          }
          if (q === "\\" && i + 1 < n && SPECIAL_IN_DQ.has(src[i + 1])) {
            if (src[i + 1] !== "\n") lit += src[i + 1];
            i += 2;
          } else if (q === "$") {
            param(true);
          } else {
            lit += q;
            i++;
          }
        }
      } else if (ch === "$") {
        param(false);
      } else {
        lit += ch;
        i++;
      }
    }
    flush();
    // "2>file": an all-digit word right before a redirection operator is its descriptor.
    const next = src[i];
    if ((next === ">" || next === "<") && digitsOnly && !quoted && parts.length === 1) {
      i = redirOp(src, i, Number((parts[0] as { lit: string }).lit), out);
      continue;
    }
    out.push({ t: "word", w: { parts, quoted }, fdPrefix: null });
  }
  return out;
}

/** Reads a redirection operator at src[i]; returns the index after it. */
function redirOp(src: string, i: number, fd: number | null, out: Token[]): number {
  const c = src[i];
  let op: RedirOp;
  if (c === ">" && src[i + 1] === ">") op = ">>";
  else if (src[i + 1] === "&") op = c === ">" ? ">&" : "<&";
  else op = c as ">" | "<";
  out.push({ t: "redir", op, fd });
  return i + op.length;
}

/** Parses a whole script or command line into a list of commands. */
export function parse(src: string): ListItem[] {
  const toks = tokenize(src);
  const items: ListItem[] = [];
  let join: ListItem["join"] = ";";
  let cur: SimpleCommand | null = null;
  const end = (why: string) => {
    if (!cur) throw new ShSyntaxError(`unexpected '${why}'`);
    items.push({ join, cmd: cur });
    cur = null;
  };
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k];
    if (t.t === "word") {
      cur ??= { words: [], redirs: [] };
      cur.words.push(t.w);
    } else if (t.t === "redir") {
      const f = toks[k + 1];
      if (!f || f.t !== "word") throw new ShSyntaxError(`redirection ${t.op} needs a target`);
      k++;
      cur ??= { words: [], redirs: [] };
      const fd = t.fd ?? (t.op === "<" || t.op === "<&" ? 0 : 1);
      cur.redirs.push({ fd, op: t.op, target: f.w });
    } else if (t.op === "&" || t.op === "|") {
      throw new ShSyntaxError(`'${t.op}' is not supported`);
    } else if (t.op === ";" || t.op === "\n") {
      if (cur) end(t.op);
      else if (t.op === ";") throw new ShSyntaxError("unexpected ';'");
      else if (join !== ";") continue; // a newline after && or || continues the list
      join = ";";
    } else {
      end(t.op);
      join = t.op;
    }
  }
  if (cur) end("end of input");
  else if (join !== ";") throw new ShSyntaxError(`unexpected end of input after '${join}'`);
  return items;
}

/** Expands a word with `lookup` giving parameters' values; null if it expands to no word. */
export function expandWord(w: Word, lookup: (name: string) => string): string | null {
  let s = "";
  for (const p of w.parts) s += "lit" in p ? p.lit : lookup(p.param);
  if (s === "" && !w.quoted && w.parts.every((p) => "param" in p && !p.quoted)) return null;
  return s;
}
