/// <reference lib="dom" />
/**
 * browser.ts — the web page's tests' harness: builds the page once (cli/web.ts), serves it
 * on a free loopback port and drives Debian's Chromium with puppeteer-core (no browser
 * download; `--no-sandbox` because CI runs as root).
 *
 * Rules: when Chromium is missing, `chromiumMissing()` says why in one line and the tests
 * are skipped with that line printed (.ci/run installs the `chromium` package); a page's
 * console errors and uncaught exceptions are collected so a test can show them.
 */
import puppeteer, { type Browser, type Page } from "npm:puppeteer-core@25.16.0";
import { buildWeb, serveWeb, type WebBuild } from "../../cli/web.ts";

export const CHROMIUM = Deno.env.get("CHROMIUM") ?? "/usr/bin/chromium";

/** Null when Chromium is there; otherwise the reason the browser tests are skipped. */
export function chromiumMissing(): string | null {
  try {
    Deno.statSync(CHROMIUM);
    return null;
  } catch {
    return `${CHROMIUM} not found: install Debian's chromium (apt-get install chromium; ` +
      `.ci/run does) or set CHROMIUM`;
  }
}

export interface Site {
  url: string;
  /** The built files being served. */
  dir: string;
  build: WebBuild;
  browser: Browser;
  close(): Promise<void>;
}

/** Builds the page into a temporary directory, serves it and launches Chromium. */
export async function openSite(): Promise<Site> {
  const dir = await Deno.makeTempDir({ prefix: "rumpsim-web-test-" });
  const build = await buildWeb(dir);
  const server = serveWeb(dir, 0);
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-dev-shm-usage"],
    headless: true,
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    dir,
    build,
    browser,
    async close() {
      await browser.close();
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** A new tab on `query` (e.g. "?image=hello&seed=42&autoboot=1"), its errors collected. */
export async function openPage(
  site: Site,
  query: string,
): Promise<{ page: Page; errors: string[] }> {
  const page = await site.browser.newPage();
  await page.setViewport({ width: 1400, height: 900 });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  await page.goto(site.url + query, { waitUntil: "load" });
  return { page, errors };
}

/** Waits until the run has ended (the page's body says so) and returns its exit status. */
export async function waitForExit(page: Page, timeoutMs = 60_000): Promise<number> {
  await page.waitForFunction(() => document.body.dataset.exitStatus !== undefined, {
    timeout: timeoutMs,
  });
  return Number(await page.evaluate(() => document.body.dataset.exitStatus));
}

/** The console text as the DOM holds it. */
export function consoleText(page: Page): Promise<string> {
  return page.evaluate(() => document.getElementById("console-text")!.textContent ?? "");
}

/** What `deno run main.ts ARGS` prints, CRs removed as the page's text has them. */
export async function cliOutput(args: string[]): Promise<string> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../main.ts", import.meta.url).pathname, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!r.success) throw new Error(new TextDecoder().decode(r.stderr));
  return new TextDecoder().decode(r.stdout).replaceAll("\r", "");
}
