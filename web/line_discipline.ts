/**
 * line_discipline.ts — what the host's terminal does for `deno task boot --realtime` in
 * canonical mode, done in the page: typed characters are echoed on the terminal and held
 * until Enter, Backspace erases the last one, Ctrl-U the line; Enter sends the line with
 * "\n" to COM1, Ctrl-D sends what is held without it (an empty one is end-of-file).
 *
 * Rules: only what reaches COM1 is the machine's input, byte for byte as the command
 * line's terminal would send it; the echo is the page's, not the console's, so the console
 * text in the DOM stays exactly the machine's output.
 */
export interface LineDiscipline {
  /** Takes what the terminal reports as typed (xterm's onData: keys or a paste). */
  input(s: string): void;
}

export function lineDiscipline(
  echo: (s: string) => void,
  send: (line: string) => void,
): LineDiscipline {
  let line = "";
  return {
    input(s) {
      // An escape sequence (arrows, function keys) arrives whole: no line editing here.
      if (s.startsWith("\x1b")) return;
      for (const ch of s) {
        if (ch === "\r" || ch === "\n") {
          echo("\r\n");
          send(line + "\n");
          line = "";
        } else if (ch === "\x7f" || ch === "\b") {
          if (line.length > 0) {
            line = [...line].slice(0, -1).join("");
            echo("\b \b");
          }
        } else if (ch === "\x15") { // Ctrl-U: erase the line
          echo("\b \b".repeat([...line].length));
          line = "";
        } else if (ch === "\x04") { // Ctrl-D: push what is held; alone, end-of-file
          send(line);
          line = "";
        } else if (ch >= " ") {
          line += ch;
          echo(ch);
        }
      }
    },
  };
}
