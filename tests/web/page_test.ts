/// <reference lib="dom" />
/**
 * The web page (web/, cli/web.ts) in a real browser: Debian's Chromium driven by
 * puppeteer-core. Skipped, with the reason printed, when Chromium is not installed.
 */
import assert from "node:assert/strict";
import type { Page } from "npm:puppeteer-core@25.16.0";
import {
  chromiumMissing,
  cliOutput,
  consoleText,
  openPage,
  openSite,
  type Site,
  waitForExit,
} from "./browser.ts";

const missing = chromiumMissing();
if (missing) console.log(`tests/web: skipping the browser tests: ${missing}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Where the httpd test leaves its screenshot (printed by the test). */
const SHOT_DIR = Deno.env.get("RUMPSIM_SCREENSHOTS") ?? "/tmp/rumpsim-web-screenshots";

async function waitRunning(page: Page): Promise<void> {
  await page.waitForFunction(() => document.body.dataset.state === "running", { timeout: 30_000 });
}

/** Clicks a download button and returns the file's bytes once Chromium has written it. */
async function download(page: Page, button: string, dir: string): Promise<Uint8Array> {
  const cdp = await page.createCDPSession();
  await cdp.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: dir });
  await page.click(button);
  for (let i = 0; i < 200; i++) {
    const names = [...Deno.readDirSync(dir)].map((e) => e.name);
    const done = names.find((n) => !n.endsWith(".crdownload"));
    if (done) {
      await sleep(100);
      return Deno.readFileSync(`${dir}/${done}`);
    }
    await sleep(50);
  }
  throw new Error(`no download from ${button}`);
}

async function tshark(args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await new Deno.Command("tshark", { args, stdout: "piped", stderr: "piped" }).output();
    const d = new TextDecoder();
    return { code: r.code, out: d.decode(r.stdout), err: d.decode(r.stderr) };
  } catch {
    return { code: -1, out: "", err: "tshark is not installed (apt-get install tshark)" };
  }
}

Deno.test({
  name: "web: the page boots every image in Chromium",
  ignore: missing !== null,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const site: Site = await openSite();
    try {
      await t.step(
        "hello boots and its console text is the command line's for the same seed",
        async () => {
          const { page, errors } = await openPage(site, "?image=hello&seed=42&autoboot=1");
          assert.equal(await waitForExit(page), 0);
          const want = await cliOutput(["--image", "hello", "--seed", "42"]);
          assert.equal(await consoleText(page), want);
          // The terminal shows it too (xterm's rows).
          const rows = await page.evaluate(() =>
            document.querySelector(".xterm-rows")?.textContent ?? ""
          );
          assert.match(rows, /Hello, world!/);
          assert.deepEqual(errors, []);
          await page.close();
        },
      );

      await t.step("in the shell image, typing `ls /` and Enter shows the listing", async () => {
        const { page, errors } = await openPage(site, "?image=shell&seed=3&autoboot=1");
        await waitRunning(page);
        await page.waitForFunction(
          () => document.getElementById("console-text")!.textContent!.includes("$ "),
          { timeout: 30_000 },
        );
        await page.click("#terminal");
        await page.keyboard.type("ls /");
        await page.keyboard.press("Enter");
        // The listing the command line prints for the same command, after the prompt.
        const cli = await cliOutput(["--image", "shell", "--", "-c", "ls /"]);
        const listing = cli.slice(cli.indexOf("\n", cli.indexOf("rump kernel:")) + 1)
          .replace(/rumpsim: apps exited[^]*$/, "");
        assert.match(listing, /^README\n(?:.*\n)*bin\n/);
        await page.waitForFunction(
          (want) => document.getElementById("console-text")!.textContent!.includes(want),
          { timeout: 30_000 },
          "$ " + listing,
        );
        // The typed line is echoed on the terminal (the page's line discipline).
        const rows = await page.evaluate(() => document.querySelector(".xterm-rows")!.textContent);
        assert.match(rows!, /\$ ls \//);
        await page.click("#halt");
        assert.equal(await waitForExit(page), 0);
        // The realtime run's timeline is complete once halted: a Chrome trace document.
        const dir = await Deno.makeTempDir();
        try {
          const trace = JSON.parse(
            new TextDecoder().decode(await download(page, "#download-trace", dir)),
          );
          assert.ok(trace.traceEvents.length > 100);
        } finally {
          await Deno.remove(dir, { recursive: true });
        }
        assert.deepEqual(errors, []);
        await page.close();
      });

      await t.step("net-demo's packets, pcap and trace are the command line's", async () => {
        const dir = await Deno.makeTempDir();
        try {
          const { page, errors } = await openPage(site, "?image=net-demo&seed=42&autoboot=1");
          assert.equal(await waitForExit(page), 0);
          await page.waitForFunction(() =>
            document.getElementById("packet-count")!.textContent !== "0 frames"
          );
          const rows = await page.evaluate(() =>
            [...document.querySelectorAll("#packet-rows tr")].map((tr) =>
              [...tr.querySelectorAll("td")].map((td) => td.textContent)
            )
          );
          const icmp = rows.filter((r) => r[4] === "ICMP");
          assert.ok(icmp.some((r) => /echo request/.test(r[5]!)), "an ICMP echo request");
          assert.ok(icmp.some((r) => /echo reply/.test(r[5]!)), "an ICMP echo reply");
          const tcp = rows.filter((r) => r[4] === "TCP").map((r) => r[5]!);
          const syn = tcp.findIndex((i) => /^Flags \[S\],/.test(i));
          const synAck = tcp.findIndex((i) => /^Flags \[S\.\],/.test(i));
          const ack = tcp.findIndex((i, k) => k > synAck && /^Flags \[\.\],/.test(i));
          assert.ok(syn >= 0 && synAck > syn && ack > synAck, "SYN, SYN-ACK, ACK in order");
          const syns = rows.find((r) => r[4] === "TCP")!;
          assert.equal(syns[2], syns[2]!.startsWith("10.0.0.2:") ? syns[2] : "10.0.0.2:?");
          assert.equal(syns[3], "10.0.0.1:80");

          await cliOutput([
            "--image",
            "net-demo",
            "--seed",
            "42",
            "--pcap",
            `${dir}/cli.pcap`,
            "--trace",
            `${dir}/cli.json`,
          ]);
          const pcapDir = await Deno.makeTempDir({ dir });
          const pcap = await download(page, "#download-pcap", pcapDir);
          assert.deepEqual(pcap, await Deno.readFile(`${dir}/cli.pcap`), "pcap bytes");
          const traceDir = await Deno.makeTempDir({ dir });
          const trace = await download(page, "#download-trace", traceDir);
          assert.deepEqual(trace, await Deno.readFile(`${dir}/cli.json`), "trace bytes");
          JSON.parse(new TextDecoder().decode(trace));

          const file = `${pcapDir}/${[...Deno.readDirSync(pcapDir)][0].name}`;
          const ts = await tshark(["-r", file, "-z", "expert,warn", "-q"]);
          assert.equal(ts.code, 0, ts.err);
          assert.doesNotMatch(ts.out, /Malformed|Checksum|Bad/i, ts.out);
          const count = await tshark(["-r", file]);
          assert.equal(
            count.out.trim().split("\n").length,
            rows.length,
            "tshark reads every frame",
          );
          assert.deepEqual(errors, []);
          await page.close();
        } finally {
          await Deno.remove(dir, { recursive: true });
        }
      });

      await t.step("an input event is handled within 100 ms while net-demo runs", async () => {
        const { page, errors } = await openPage(site, "?image=net-demo&seed=5");
        // The page measures: how long each keydown waited before its handler ran.
        await page.evaluate(() => {
          const w = globalThis as unknown as { delays: { ms: number; state: string }[] };
          w.delays = [];
          document.getElementById("path")!.closest("section")!.hidden = false;
          document.getElementById("seed")!.addEventListener("keydown", (e) => {
            w.delays.push({
              ms: performance.now() - e.timeStamp,
              state: document.body.dataset.state ?? "",
            });
          });
        });
        // Three runs back to back, keys pressed as fast as the driver can while each runs.
        await page.focus("#seed");
        for (let run = 0; run < 3; run++) {
          await page.evaluate(() => {
            document.getElementById("boot")!.click();
            document.getElementById("seed")!.focus(); // Boot focuses the terminal
          });
          for (let i = 0; i < 2000; i++) {
            await page.keyboard.press("ArrowRight");
            if (
              i % 4 === 3 &&
              await page.evaluate(() => document.body.dataset.exitStatus !== undefined)
            ) break;
          }
        }
        const delays = await page.evaluate(() =>
          (globalThis as unknown as { delays: { ms: number; state: string }[] }).delays
        );
        const during = delays.filter((d) => d.state === "running" || d.state === "booting");
        assert.ok(during.length > 0, "some key presses landed while the machine ran");
        const worst = Math.max(...during.map((d) => d.ms));
        console.log(
          `  ${during.length} key presses during the run, worst wait ${worst.toFixed(1)} ms`,
        );
        assert.ok(worst < 100, `an input event waited ${worst.toFixed(1)} ms`);
        assert.equal(await waitForExit(page), 0);
        assert.deepEqual(errors, []);
        await page.close();
      });

      await t.step("the httpd request panel gets the index page with status 200", async () => {
        const { page, errors } = await openPage(site, "?image=httpd&seed=1&autoboot=1");
        await waitRunning(page);
        assert.equal(
          await page.evaluate(() => document.getElementById("request-panel")!.hidden),
          false,
        );
        await page.select("#method", "GET");
        await page.$eval("#path", (e) => (e as HTMLInputElement).value = "/");
        await page.click("#send");
        await page.waitForFunction(
          () => document.getElementById("response-status")!.dataset.status !== undefined,
          { timeout: 30_000 },
        );
        const status = await page.evaluate(() =>
          document.getElementById("response-status")!.dataset.status
        );
        const body = await page.evaluate(() =>
          document.getElementById("response-text")!.textContent
        );
        assert.equal(status, "200", body!);
        assert.match(body!, /^HTTP\/1\.1 200 OK\n/);
        assert.match(body!, /<title>rumpsim<\/title>/);
        // httpd logged it, from the client machine's address.
        await page.waitForFunction(() =>
          /10\.0\.2\.2 - - .*"GET \/ HTTP\/1\.1" 200/.test(
            document.getElementById("console-text")!.textContent!,
          )
        );
        // The request crossed the wire: the packet list has the handshake to port 80.
        const info = await page.evaluate(() => document.getElementById("packet-rows")!.innerText);
        assert.match(info, /10\.0\.2\.2:\d+\t10\.0\.2\.15:80\tTCP\tFlags \[S\]/);
        await Deno.mkdir(SHOT_DIR, { recursive: true });
        const shot = `${SHOT_DIR}/httpd.png`;
        await page.screenshot({ path: shot as `${string}.png`, fullPage: true });
        console.log(`  screenshot of the page after the httpd test: ${shot}`);
        await page.click("#halt");
        assert.equal(await waitForExit(page), 0);
        assert.deepEqual(errors, []);
        await page.close();
      });

      await t.step("Halt stops net-demo mid-run; its trace is complete and downloads", async () => {
        const dir = await Deno.makeTempDir();
        try {
          const { page, errors } = await openPage(site, "?image=net-demo&seed=42");
          await page.waitForFunction(() => document.body.dataset.state === "idle");
          // Boot and Halt in one task: the halt reaches the worker while the world runs (a
          // world in virtual time pauses for messages), not after its end.
          await page.evaluate(() => {
            document.getElementById("boot")!.click();
            document.getElementById("halt")!.click();
          });
          assert.equal(await waitForExit(page), 0);
          assert.equal(
            await page.evaluate(() => document.getElementById("status")!.textContent),
            "net-demo ended: halted from the page, status 0",
            "the worker answered the halt (it was not stopped)",
          );
          // Halted before the client fetched the page: the run was stopped, not finished.
          const text = await consoleText(page);
          assert.match(text, /^server: rumpsim: seed 42, virtual time$/m);
          assert.doesNotMatch(text, /HTTP\/1\.1 200 OK|apps exited/);
          assert.equal(
            await page.evaluate(() =>
              (document.getElementById("download-trace") as HTMLButtonElement).disabled
            ),
            false,
          );
          const trace = JSON.parse(
            new TextDecoder().decode(await download(page, "#download-trace", dir)),
          );
          assert.ok(trace.traceEvents.length > 10, `${trace.traceEvents.length} trace events`);
          // Closed at the halt: every span begun has ended, on both machines.
          const events = trace.traceEvents as { ph: string; pid: number }[];
          const begun = events.filter((e) => e.ph === "B");
          assert.ok(begun.length > 0);
          assert.equal(events.filter((e) => e.ph === "E").length, begun.length, "B/E balanced");
          assert.deepEqual([...new Set(begun.map((e) => e.pid))].sort(), [1, 2]);
          assert.deepEqual(errors, []);
          await page.close();
        } finally {
          await Deno.remove(dir, { recursive: true });
        }
      });

      await t.step(
        "a failed run is shown, the page stays usable and Boot starts afresh",
        async () => {
          const { page, errors } = await openPage(site, "?image=nope&autoboot=1");
          const names = site.build.images.map((i) => i.name).join(", ");
          await page.waitForFunction(
            (want) => document.getElementById("status")!.textContent === want,
            {},
            `no image "nope" (images: ${names})`,
          );
          // net-demo with every frame lost: wget fails, the run ends with its status.
          await page.select("#image", "net-demo");
          await page.$eval("#loss", (e) => (e as HTMLInputElement).value = "100");
          await page.click("#boot");
          await waitForExit(page, 120_000);
          const lost = await consoleText(page);
          assert.match(
            lost,
            /client: 3 packets transmitted, 0 packets received, 100\.0% packet loss/,
          );
          assert.match(lost, /client: wget: 10\.0\.0\.1:80: /);
          assert.match(
            await page.evaluate(() => document.getElementById("status")!.textContent!),
            /net-demo ended: exit status \d+/,
          );
          // A second Boot is a fresh machine: same seed, no loss, the command line's console.
          await page.$eval("#loss", (e) => (e as HTMLInputElement).value = "0");
          await page.$eval("#seed", (e) => (e as HTMLInputElement).value = "42");
          await page.click("#boot");
          assert.equal(await waitForExit(page), 0);
          assert.equal(
            await consoleText(page),
            await cliOutput(["--image", "net-demo", "--seed", "42"]),
          );
          assert.deepEqual(errors, []);
          await page.close();
        },
      );

      await t.step("a worker that fails to load is shown and the page stays usable", async () => {
        // The last step: the shell's worker bundle disappears from the server.
        await Deno.remove(`${site.dir}/image-shell.js`);
        const { page } = await openPage(site, "?image=shell&seed=1&autoboot=1");
        await page.waitForFunction(() =>
          /^error: /.test(document.getElementById("status")!.textContent!)
        );
        // The terminal draws on its next frame: wait for the message to show there too.
        await page.waitForFunction(() =>
          /rumpsim: /.test(document.querySelector(".xterm-rows")?.textContent ?? "")
        );
        await page.select("#image", "hello");
        await page.click("#boot");
        assert.equal(await waitForExit(page), 0);
        await page.close();
      });
    } finally {
      await site.close();
    }
  },
});
