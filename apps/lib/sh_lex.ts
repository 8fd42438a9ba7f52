/**
 * sh_lex.ts — the shell's lexer (XCU 2.3, token recognition) and the word and redirection
 * types it produces: operators, redirection operators (with an all-digit word before one
 * taken as its descriptor), newlines, and words with their quoting, parameters, command
 * and arithmetic substitutions; here-document bodies are read at the newline after their
 * operator.
 *
 * Rules: pure. Quoting follows XCU 2.2: a backslash outside quotes keeps the next
 * character (and a backslash-newline disappears); single quotes keep everything up to the
 * next single quote; inside double quotes a backslash escapes only `$`, `` ` ``, `"`, `\`
 * and newline, and parameters, `$(...)` and `$((...))` expand. Every literal piece
 * remembers whether it was quoted. `#` at the start of a word starts a comment. The
 * parser (sh_parse.ts) queues a here-document's redirection in `pendingHere` before it
 * reads the next token, so the body is taken from the lines after the operator's line.
 * A syntax error throws `ShSyntaxError`; `incomplete` is set when more input could
 * complete it.
 */

export type WordPart =
  | { lit: string; q: boolean }
  | { param: string; q: boolean }
  | { sub: string; q: boolean }
  | { arith: string; q: boolean };

/** A word before expansion. `quoted` is set when any part of it was quoted. */
export interface Word {
  parts: WordPart[];
  quoted: boolean;
}

export type RedirOp = ">" | ">>" | "<" | ">&" | "<&" | "<<" | ">|" | "<>";

export interface Redir {
  /** The descriptor redirected. */
  fd: number;
  op: RedirOp;
  /** A file name, a descriptor number (>&, <&), or for `<<` the delimiter. */
  target: Word;
  /** `<<`: the body, and whether it expands (unquoted delimiter). */
  body?: string;
  expand?: boolean;
}

export class ShSyntaxError extends Error {
  constructor(msg: string, readonly incomplete = false) {
    super(msg);
    this.name = "ShSyntaxError";
  }
}

/** A token. */
export type Tok =
  | { t: "word"; w: Word; raw: string; start: number }
  | { t: "op"; op: string; start: number }
  | { t: "redir"; op: RedirOp; fd: number | null; start: number }
  | { t: "nl"; start: number }
  | { t: "eof"; start: number };

const SPECIAL_IN_DQ = new Set(["$", "`", '"', "\\", "\n"]);
const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
const OPS = [";;", "&&", "||", ";", "&", "|", "(", ")"];

/** Index just after the `)` that closes a `$(` whose body starts at `i`. */
export function skipSubst(src: string, i: number): number {
  let depth = 1;
  while (i < src.length) {
    const c = src[i];
    if (c === "\\") i += 2;
    else if (c === "'") {
      const e = src.indexOf("'", i + 1);
      if (e < 0) break;
      i = e + 1;
    } else if (c === '"') {
      i++;
      while (i < src.length && src[i] !== '"') i += src[i] === "\\" ? 2 : 1;
      i++;
    } else if (c === "(") {
      depth++;
      i++;
    } else if (c === ")") {
      if (--depth === 0) return i + 1;
      i++;
    } else i++;
  }
  throw new ShSyntaxError("missing ')'", true);
}

/** The lexer: `lex()` gives the next token from `i`. */
export class Lexer {
  i = 0;
  /** Here-documents whose bodies start after the next newline. */
  pendingHere: Redir[] = [];

  constructor(readonly src: string) {}

  lex(): Tok {
    const src = this.src;
    for (;;) {
      const c = src[this.i];
      if (c === " " || c === "\t" || c === "\r") this.i++;
      else if (c === "\\" && src[this.i + 1] === "\n") this.i += 2;
      else if (c === "#") {
        while (this.i < src.length && src[this.i] !== "\n") this.i++;
      } else break;
    }
    const start = this.i;
    if (this.i >= src.length) return { t: "eof", start };
    const c = src[this.i];
    if (c === "\n") {
      this.i++;
      this.readHereBodies();
      return { t: "nl", start };
    }
    if (c === ">" || c === "<") return this.redir(null, start);
    for (const op of OPS) {
      if (src.startsWith(op, this.i)) {
        this.i += op.length;
        return { t: "op", op, start };
      }
    }
    return this.word(start);
  }

  redir(fd: number | null, start: number): Tok {
    const s = this.src.slice(this.i, this.i + 3);
    let op: RedirOp;
    if (s.startsWith("<<-")) op = "<<";
    else {
      const two = s.slice(0, 2);
      op = ([">>", ">&", "<&", "<<", ">|", "<>"] as RedirOp[]).find((o) => o === two) ??
        (s[0] as RedirOp);
    }
    const strip = s.startsWith("<<-");
    this.i += strip ? 3 : op.length;
    const t: Tok = { t: "redir", op, fd, start };
    if (strip) (t as { strip?: boolean }).strip = true;
    return t;
  }

  word(start: number): Tok {
    const src = this.src;
    const n = src.length;
    const parts: WordPart[] = [];
    let lit = "";
    let litQ = false;
    let quoted = false;
    const flush = () => {
      if (lit) parts.push({ lit, q: litQ });
      lit = "";
    };
    const addLit = (s: string, q: boolean) => {
      if (q !== litQ) flush();
      litQ = q;
      lit += s;
    };
    const dollar = (q: boolean): void => {
      const d = src[this.i + 1];
      if (d === "(" && src[this.i + 2] === "(") {
        // $(( expression )): ends at the "))" that closes it.
        let depth = 2;
        let j = this.i + 3;
        for (; j < n && depth > 0; j++) {
          if (src[j] === "(") depth++;
          else if (src[j] === ")") depth--;
        }
        if (depth > 0) throw new ShSyntaxError("missing '))'", true);
        flush();
        parts.push({ arith: src.slice(this.i + 3, j - 2), q });
        this.i = j;
      } else if (d === "(") {
        const end = skipSubst(src, this.i + 2);
        flush();
        parts.push({ sub: src.slice(this.i + 2, end - 1), q });
        this.i = end;
      } else if (d === "{") {
        const end = src.indexOf("}", this.i + 2);
        if (end < 0) throw new ShSyntaxError("missing '}'", true);
        const name = src.slice(this.i + 2, end);
        if (!/^([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[?#$@*!])$/.test(name)) {
          throw new ShSyntaxError(`\${${name}}: bad substitution`);
        }
        flush();
        parts.push({ param: name, q });
        this.i = end + 1;
      } else if (d !== undefined && /[?#$@*!0-9]/.test(d)) {
        flush();
        parts.push({ param: d, q });
        this.i += 2;
      } else if (d !== undefined && NAME_START.test(d)) {
        let j = this.i + 1;
        while (j < n && NAME_CHAR.test(src[j])) j++;
        flush();
        parts.push({ param: src.slice(this.i + 1, j), q });
        this.i = j;
      } else {
        addLit("$", q);
        this.i++;
      }
    };
    const backquote = (q: boolean): void => {
      let j = this.i + 1;
      let body = "";
      while (j < n && src[j] !== "`") {
        if (src[j] === "\\" && "$`\\".includes(src[j + 1])) {
          body += src[j + 1];
          j += 2;
        } else body += src[j++];
      }
      if (j >= n) throw new ShSyntaxError("unterminated `", true);
      flush();
      parts.push({ sub: body, q });
      this.i = j + 1;
    };
    while (this.i < n) {
      const ch = src[this.i];
      if (" \t\r\n;&|<>()".includes(ch)) break;
      if (ch === "\\") {
        quoted = true;
        if (this.i + 1 >= n) {
          addLit("\\", false);
          this.i++;
        } else if (src[this.i + 1] === "\n") this.i += 2;
        else {
          addLit(src[this.i + 1], true);
          this.i += 2;
        }
      } else if (ch === "'") {
        quoted = true;
        const end = src.indexOf("'", this.i + 1);
        if (end < 0) throw new ShSyntaxError("unterminated quoted string", true);
        addLit(src.slice(this.i + 1, end), true);
        if (end === this.i + 1) flush(), parts.push({ lit: "", q: true });
        this.i = end + 1;
      } else if (ch === '"') {
        quoted = true;
        this.i++;
        let empty = true;
        for (;;) {
          if (this.i >= n) throw new ShSyntaxError("unterminated quoted string", true);
          const q = src[this.i];
          if (q === '"') {
            this.i++;
            break;
          }
          empty = false;
          if (q === "\\" && this.i + 1 < n && SPECIAL_IN_DQ.has(src[this.i + 1])) {
            if (src[this.i + 1] !== "\n") addLit(src[this.i + 1], true);
            this.i += 2;
          } else if (q === "$") dollar(true);
          else if (q === "`") backquote(true);
          else {
            addLit(q, true);
            this.i++;
          }
        }
        if (empty) flush(), parts.push({ lit: "", q: true });
      } else if (ch === "$") dollar(false);
      else if (ch === "`") backquote(false);
      else {
        addLit(ch, false);
        this.i++;
      }
    }
    flush();
    const raw = src.slice(start, this.i);
    // "2>file": an all-digit word right before a redirection operator is its descriptor.
    const next = src[this.i];
    if ((next === ">" || next === "<") && /^[0-9]+$/.test(raw)) {
      return this.redir(Number(raw), start);
    }
    return { t: "word", w: { parts, quoted }, raw, start };
  }

  readHereBodies(): void {
    for (const r of this.pendingHere) {
      const delim = r.target.parts.map((p) => ("lit" in p ? p.lit : "")).join("");
      const strip = (r as { strip?: boolean }).strip === true;
      let body = "";
      for (;;) {
        if (this.i >= this.src.length) {
          throw new ShSyntaxError(
            `here-document delimited by end of input (wanted '${delim}')`,
            true,
          );
        }
        let e = this.src.indexOf("\n", this.i);
        if (e < 0) e = this.src.length;
        let line = this.src.slice(this.i, e);
        this.i = Math.min(e + 1, this.src.length);
        if (strip) line = line.replace(/^\t+/, "");
        if (line === delim) break;
        body += line + "\n";
      }
      r.body = body;
    }
    this.pendingHere = [];
  }
}
