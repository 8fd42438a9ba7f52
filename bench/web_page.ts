/// <reference lib="dom" />
/**
 * web_page.ts — the web page's figures (BENCHMARKS.md "The web page"):
 *   - bundle size per image (bytes and gzip), and of the page itself;
 *   - Boot → first console bytes, and Boot → end of run, in Chromium (median of N fresh
 *     tabs per image; the page measures with performance.now(): web/page.ts `timing()`);
 *   - the reference measured in the same run: the same image in Deno, start of runImage/
 *     runWorld → first console bytes and → end (median of N);
 *   - bulk TCP between two machines (apps/bulk.ts, MiB of data, net-demo's machines) in the
 *     page against the same world in Deno, both with the capture and the timeline on (the
 *     page always records them): Boot → end, boot included.
 *
 *   deno run -A bench/web_page.ts [--runs N] [--bulk MiB]
 *
 * Needs Debian's chromium (/usr/bin/chromium or $CHROMIUM).
 */
import { parseArgs } from "node:util";
import puppeteer from "npm:puppeteer-core@25.16.0";
import { buildWeb, bundle, serveWeb } from "../cli/web.ts";
import { bulkWorld } from "./web_page_bulk.ts";
import { Tracer } from "../sched/mod.ts";
import { IMAGES } from "../images/mod.ts";
import { loadImage } from "../cli/catalog.ts";
import { isWorld, runWorld } from "../rumprun/world.ts";
import { runImage } from "../rumprun/run.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { runs: { type: "string" }, bulk: { type: "string" } },
});
const RUNS = Number(values.runs ?? "5");
const BULK_MIB = Number(values.bulk ?? "10");
const CHROMIUM = Deno.env.get("CHROMIUM") ?? "/usr/bin/chromium";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function gzipSize(path: string): Promise<number> {
  const s = (await Deno.open(path)).readable.pipeThrough(new CompressionStream("gzip"));
  let n = 0;
  for await (const c of s) n += c.length;
  return n;
}

/** The same virtual-time run in Deno: ms to the first console bytes and to the end. */
async function inDeno(name: string): Promise<{ first: number; end: number }> {
  const image = await loadImage(IMAGES[name]);
  const t0 = performance.now();
  let first = NaN;
  const console = () => {
    if (Number.isNaN(first)) first = performance.now() - t0;
  };
  if (isWorld(image)) await runWorld(image.machines, { seed: 1, console });
  else await runImage(image, { seed: 1, mode: "virtual", console });
  return { first, end: performance.now() - t0 };
}

const dir = await Deno.makeTempDir({ prefix: "rumpsim-web-bench-" });
const build = await buildWeb(dir);
const server = serveWeb(dir, 0);
const url = `http://127.0.0.1:${server.addr.port}/`;
const browser = await puppeteer.launch({
  executablePath: CHROMIUM,
  args: ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-dev-shm-usage"],
});
try {
  console.log(`chromium: ${await browser.version()}; ${RUNS} runs per figure; median`);
  console.log(
    `page.js: ${build.pageBytes} bytes (${await gzipSize(`${dir}/page.js`)} gzip)\n`,
  );
  console.log(
    "| image | bundle bytes | gzip | Chromium: Boot → first console | Chromium: Boot → end | Deno: → first console | Deno: → end |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|");
  for (const img of build.images) {
    const first: number[] = [], end: number[] = [];
    const dFirst: number[] = [], dEnd: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const page = await browser.newPage();
      await page.goto(`${url}?image=${img.name}&seed=1&autoboot=1`, { waitUntil: "load" });
      await page.waitForFunction(
        () => (globalThis as any).rumpsim.timing().firstConsoleMs !== null,
        { timeout: 60_000 },
      );
      const interactive = img.interactive || (img.network && !img.world);
      if (!interactive) {
        await page.waitForFunction(() => (globalThis as any).rumpsim.timing().endMs !== null, {
          timeout: 120_000,
        });
      }
      const t = await page.evaluate(() => (globalThis as any).rumpsim.timing());
      first.push(t.firstConsoleMs);
      if (t.endMs !== null) end.push(t.endMs);
      await page.close();
      if (!interactive) {
        const d = await inDeno(img.name);
        dFirst.push(d.first);
        dEnd.push(d.end);
      }
    }
    const f = (xs: number[]) => xs.length ? `${median(xs).toFixed(1)} ms` : "—";
    console.log(
      `| ${img.name} | ${img.bytes} | ${await gzipSize(`${dir}/image-${img.name}.js`)} | ${
        f(first)
      } | ${f(end)} | ${f(dFirst)} | ${f(dEnd)} |`,
    );
  }

  // Bulk TCP: a world of its own, bundled here as one more image of the page.
  const entry = new URL(`../.web-bench-bulk-${Deno.pid}.ts`, import.meta.url).pathname;
  await Deno.writeTextFile(
    entry,
    `import { serveMachine } from "./web/machine_worker.ts";\n` +
      `import { bulkWorld } from "./bench/web_page_bulk.ts";\n` +
      `serveMachine("bulk", bulkWorld(${BULK_MIB}));\n`,
  );
  try {
    await bundle(entry, `${dir}/image-bulk.js`);
  } finally {
    await Deno.remove(entry);
  }
  const catalogue = JSON.parse(await Deno.readTextFile(`${dir}/images.json`));
  catalogue.push({
    name: "bulk",
    description: "bench",
    network: true,
    interactive: false,
    world: true,
    bytes: 0,
  });
  await Deno.writeTextFile(`${dir}/images.json`, JSON.stringify(catalogue));
  const pageMs: number[] = [], denoMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const page = await browser.newPage();
    await page.goto(`${url}?image=bulk&seed=1&autoboot=1`, { waitUntil: "load" });
    await page.waitForFunction(() => (globalThis as any).rumpsim.timing().endMs !== null, {
      timeout: 600_000,
    });
    const t = await page.evaluate(() => (globalThis as any).rumpsim.timing());
    const text: string = await page.evaluate(() => (globalThis as any).rumpsim.consoleText());
    if (!/received \d+ bytes/.test(text)) {
      throw new Error(`bulk in the page failed:\n${text.slice(-800)}`);
    }
    pageMs.push(t.endMs);
    await page.close();
    const w = bulkWorld(BULK_MIB);
    const t0 = performance.now();
    const r = await runWorld(w.machines, {
      seed: 1,
      console: () => {},
      pcap: () => {},
      trace: new Tracer(() => {}),
    });
    denoMs.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`bulk in Deno failed (${r.status})`);
  }
  const rate = (ms: number) =>
    `${ms.toFixed(0)} ms, ${(BULK_MIB * 1.048576 / (ms / 1000)).toFixed(1)} MB/s`;
  console.log(
    `\nbulk TCP, ${BULK_MIB} MiB between two machines, capture and timeline on (median of ${RUNS}):\n` +
      `  Chromium worker: ${rate(median(pageMs))}\n  Deno:            ${rate(median(denoMs))}`,
  );
} finally {
  await browser.close();
  await server.shutdown();
  await Deno.remove(dir, { recursive: true });
}
