/**
 * sh_parse.ts — the shell's grammar (POSIX sh, XCU 2.9, the parts apps/sh.ts runs) over
 * the tokens of sh_lex.ts: simple commands with assignments and redirections
 * (here-documents included); pipelines with `!`; and-or lists; `;`, `&` and newline
 * lists; `{ }`, `( )`, if, while, until, for and case.
 *
 * Rules: pure. Reserved words (if then elif else fi do done while until for in case esac
 * { } !) are recognised only unquoted and where a command may start (`in` after for's or
 * case's word). A leading `NAME=value` word of a simple command is an assignment. A
 * here-document's body starts on the line after its operator; a quoted delimiter keeps
 * the body literal, `<<-` strips leading tabs. Every command node keeps its source text
 * (`src`), so a shell can hand a command to a child shell. A syntax error throws
 * `ShSyntaxError`; `incomplete` is set when more input could complete it (a shell reading
 * lines then reads another).
 */
import { Lexer, type Redir, ShSyntaxError, type Tok, type Word } from "./sh_lex.ts";

export {
  type Redir,
  type RedirOp,
  ShSyntaxError,
  skipSubst,
  type Word,
  type WordPart,
} from "./sh_lex.ts";

export interface Assign {
  name: string;
  value: Word;
}

export type Cmd =
  | { t: "simple"; assigns: Assign[]; words: Word[]; redirs: Redir[]; src: string }
  | { t: "pipeline"; bang: boolean; cmds: Cmd[]; src: string }
  | { t: "andor"; op: "&&" | "||"; left: Cmd; right: Cmd; src: string }
  | { t: "list"; items: { cmd: Cmd; bg: boolean }[]; src: string }
  | { t: "group"; sub: boolean; body: Cmd; redirs: Redir[]; src: string }
  | {
    t: "if";
    arms: { cond: Cmd; body: Cmd }[];
    els: Cmd | null;
    redirs: Redir[];
    src: string;
  }
  | { t: "while"; until: boolean; cond: Cmd; body: Cmd; redirs: Redir[]; src: string }
  | { t: "for"; name: string; words: Word[] | null; body: Cmd; redirs: Redir[]; src: string }
  | {
    t: "case";
    word: Word;
    arms: { pats: Word[]; body: Cmd | null }[];
    redirs: Redir[];
    src: string;
  };

const RESERVED = new Set([
  "if",
  "then",
  "elif",
  "else",
  "fi",
  "do",
  "done",
  "while",
  "until",
  "for",
  "case",
  "esac",
  "{",
  "}",
  "!",
  "in",
]);

class Parser {
  readonly lx: Lexer;
  tok: Tok;

  constructor(readonly src: string) {
    this.lx = new Lexer(src);
    this.tok = this.lx.lex();
  }

  // --- the parser ---

  next(): Tok {
    const t = this.tok;
    this.tok = this.lx.lex();
    return t;
  }

  /** The current token as a reserved word, if it is an unquoted one. */
  reserved(): string | null {
    const t = this.tok;
    if (t.t !== "word" || t.w.quoted || t.w.parts.length !== 1) return null;
    const p = t.w.parts[0];
    return "lit" in p && RESERVED.has(p.lit) ? p.lit : null;
  }

  isOp(op: string): boolean {
    const t: Tok = this.tok;
    return t.t === "op" && t.op === op;
  }

  atEof(): boolean {
    const t: Tok = this.tok;
    return t.t === "eof";
  }

  isWord(w: string): boolean {
    return this.reserved() === w;
  }

  expectWord(w: string): void {
    if (!this.isWord(w)) this.unexpected(`expected '${w}'`);
    this.next();
  }

  unexpected(why?: string): never {
    const t = this.tok;
    if (t.t === "eof") {
      throw new ShSyntaxError(`unexpected end of input${why ? ` (${why})` : ""}`, true);
    }
    const what = t.t === "word" ? t.raw : t.t === "nl" ? "newline" : t.t === "op" ? t.op : t.op;
    throw new ShSyntaxError(`unexpected '${what}'${why ? ` (${why})` : ""}`);
  }

  skipNewlines(): void {
    while (this.tok.t === "nl") this.next();
  }

  /** A whole program: a list to end of input. */
  program(): Cmd {
    this.skipNewlines();
    const start = this.tok.start;
    const items: { cmd: Cmd; bg: boolean }[] = [];
    while (!this.atEof()) {
      items.push(...this.listItems());
      this.skipNewlines();
      if (!this.atEof() && !this.startsCommand()) this.unexpected();
    }
    return { t: "list", items, src: this.src.slice(start, this.lx.i) };
  }

  startsCommand(): boolean {
    const t = this.tok;
    if (t.t === "redir") return true;
    if (t.t === "op") return t.op === "(";
    if (t.t !== "word") return false;
    const r = this.reserved();
    return r === null || ["if", "while", "until", "for", "case", "{", "!"].includes(r);
  }

  /** and-or lists separated by `;` or `&` (one line's worth). */
  listItems(): { cmd: Cmd; bg: boolean }[] {
    const items: { cmd: Cmd; bg: boolean }[] = [];
    while (this.startsCommand()) {
      const cmd = this.andOr();
      let bg = false;
      const t = this.tok;
      if (t.t === "op" && (t.op === ";" || t.op === "&")) {
        bg = t.op === "&";
        this.next();
      }
      items.push({ cmd, bg });
      if (!bg && !(t.t === "op" && t.op === ";")) break;
    }
    return items;
  }

  /** A compound list (the body of if, while, ...): lists across newlines. */
  compoundList(): Cmd {
    this.skipNewlines();
    const start = this.tok.start;
    const items: { cmd: Cmd; bg: boolean }[] = [];
    while (this.startsCommand()) {
      items.push(...this.listItems());
      this.skipNewlines();
    }
    if (items.length === 0) this.unexpected();
    return { t: "list", items, src: this.src.slice(start, this.tok.start) };
  }

  andOr(): Cmd {
    const start = this.tok.start;
    let left = this.pipeline();
    for (;;) {
      const t = this.tok;
      if (t.t !== "op" || (t.op !== "&&" && t.op !== "||")) return left;
      this.next();
      this.skipNewlines();
      const right = this.pipeline();
      left = {
        t: "andor",
        op: t.op as "&&" | "||",
        left,
        right,
        src: this.src.slice(start, this.tok.start).trimEnd(),
      };
    }
  }

  pipeline(): Cmd {
    const start = this.tok.start;
    let bang = false;
    if (this.isWord("!")) {
      bang = true;
      this.next();
    }
    const cmds = [this.command()];
    while (this.isOp("|")) {
      this.next();
      this.skipNewlines();
      cmds.push(this.command());
    }
    if (!bang && cmds.length === 1) return cmds[0];
    return { t: "pipeline", bang, cmds, src: this.src.slice(start, this.tok.start).trimEnd() };
  }

  command(): Cmd {
    const start = this.tok.start;
    const r = this.reserved();
    let c: Cmd;
    if (this.isOp("(")) {
      this.next();
      const body = this.compoundList();
      if (!(this.isOp(")"))) this.unexpected("expected ')'");
      this.next();
      c = { t: "group", sub: true, body, redirs: [], src: "" };
    } else if (r === "{") {
      this.next();
      const body = this.compoundList();
      this.expectWord("}");
      c = { t: "group", sub: false, body, redirs: [], src: "" };
    } else if (r === "if") c = this.ifClause();
    else if (r === "while" || r === "until") {
      this.next();
      const cond = this.compoundList();
      this.expectWord("do");
      const body = this.compoundList();
      this.expectWord("done");
      c = { t: "while", until: r === "until", cond, body, redirs: [], src: "" };
    } else if (r === "for") c = this.forClause();
    else if (r === "case") c = this.caseClause();
    else if (r !== null && r !== "!") this.unexpected();
    else return this.simple();
    // Redirections after a compound command apply to all of it.
    while (this.tok.t === "redir") (c as { redirs: Redir[] }).redirs.push(this.redirection());
    c.src = this.src.slice(start, this.tok.start).trimEnd();
    return c;
  }

  ifClause(): Cmd {
    this.next();
    const arms: { cond: Cmd; body: Cmd }[] = [];
    let els: Cmd | null = null;
    for (;;) {
      const cond = this.compoundList();
      this.expectWord("then");
      arms.push({ cond, body: this.compoundList() });
      if (this.isWord("elif")) {
        this.next();
        continue;
      }
      if (this.isWord("else")) {
        this.next();
        els = this.compoundList();
      }
      this.expectWord("fi");
      return { t: "if", arms, els, redirs: [], src: "" };
    }
  }

  forClause(): Cmd {
    this.next();
    const t = this.tok;
    if (t.t !== "word" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(t.raw)) this.unexpected("a name");
    const name = (this.next() as { raw: string }).raw;
    let words: Word[] | null = null;
    this.skipNewlines();
    if (this.isWord("in")) {
      this.next();
      words = [];
      while (this.tok.t === "word") words.push((this.next() as { w: Word }).w);
      if (this.isOp(";")) this.next();
      else if (this.tok.t !== "nl") this.unexpected();
    } else if (this.isOp(";")) this.next();
    this.skipNewlines();
    this.expectWord("do");
    const body = this.compoundList();
    this.expectWord("done");
    return { t: "for", name, words, body, redirs: [], src: "" };
  }

  caseClause(): Cmd {
    this.next();
    if (this.tok.t !== "word") this.unexpected("a word");
    const word = (this.next() as { w: Word }).w;
    this.skipNewlines();
    this.expectWord("in");
    this.skipNewlines();
    const arms: { pats: Word[]; body: Cmd | null }[] = [];
    while (!this.isWord("esac")) {
      if (this.isOp("(")) this.next();
      const pats: Word[] = [];
      for (;;) {
        if (this.tok.t !== "word") this.unexpected("a pattern");
        pats.push((this.next() as { w: Word }).w);
        if (this.isOp("|")) this.next();
        else break;
      }
      if (!(this.isOp(")"))) this.unexpected("expected ')'");
      this.next();
      this.skipNewlines();
      let body: Cmd | null = null;
      if (!(this.isOp(";;")) && !this.isWord("esac")) {
        body = this.compoundList();
      }
      arms.push({ pats, body });
      if (this.isOp(";;")) {
        this.next();
        this.skipNewlines();
      } else if (!this.isWord("esac")) this.unexpected("expected ';;' or 'esac'");
    }
    this.next();
    return { t: "case", word, arms, redirs: [], src: "" };
  }

  redirection(): Redir {
    const t = this.next() as Extract<Tok, { t: "redir" }> & { strip?: boolean };
    const f = this.tok;
    if (f.t !== "word") {
      if (f.t === "eof") throw new ShSyntaxError(`redirection ${t.op} needs a target`, true);
      throw new ShSyntaxError(`redirection ${t.op} needs a target`);
    }
    const fd = t.fd ?? (t.op === "<" || t.op === "<&" || t.op === "<<" || t.op === "<>" ? 0 : 1);
    const r: Redir = { fd, op: t.op, target: f.w };
    if (t.op === "<<") {
      // Queued before the next token is read: that token may be the newline after which
      // the body starts.
      r.expand = !f.w.quoted;
      if (t.strip) (r as { strip?: boolean }).strip = true;
      this.lx.pendingHere.push(r);
    }
    this.next();
    return r;
  }

  simple(): Cmd {
    const start = this.tok.start;
    const assigns: Assign[] = [];
    const words: Word[] = [];
    const redirs: Redir[] = [];
    for (;;) {
      const t = this.tok;
      if (t.t === "redir") redirs.push(this.redirection());
      else if (t.t === "word") {
        const m = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(t.raw);
        const first = t.w.parts[0];
        if (words.length === 0 && m && "lit" in first && !first.q && first.lit.startsWith(m[0])) {
          const value: Word = { parts: [...t.w.parts], quoted: true };
          const rest = first.lit.slice(m[0].length);
          value.parts[0] = { lit: rest, q: false };
          assigns.push({ name: m[1], value });
        } else words.push(t.w);
        this.next();
      } else break;
    }
    if (assigns.length === 0 && words.length === 0 && redirs.length === 0) this.unexpected();
    return {
      t: "simple",
      assigns,
      words,
      redirs,
      src: this.src.slice(start, this.tok.start).trimEnd(),
    };
  }
}

/** Parses a whole script or command line. */
export function parse(src: string): Cmd {
  const p = new Parser(src);
  const prog = p.program();
  if (p.lx.pendingHere.length) {
    throw new ShSyntaxError("here-document without a body", true);
  }
  return prog;
}
