/// <reference lib="dom" />
/**
 * page.ts — the page's main thread: the controls (image, seed, faults, Boot, Halt), the
 * console as a real terminal (xterm.js) and as text in the DOM, the live packet list, the
 * downloads (pcap, trace) and, for httpd, the request panel.
 *
 * The machine never runs here: each Boot makes a new Web Worker from the chosen image's
 * bundle (`image-NAME.js`, machine_worker.ts) and talks to it by messages (protocol.ts).
 * Keys typed into the terminal go to the worker, which feeds COM1. `?image=NAME&seed=N
 * &autoboot=1` picks the image and seed and boots at once.
 *
 * Rules: the page stays usable whatever the machine does: a panic or a failed boot is shown
 * in the console and the status line, and Boot always starts afresh. DOM updates from a
 * busy machine are batched per animation frame. The console text in the DOM is exactly
 * the console's bytes (decoded as UTF-8) with CR removed, so a reader sees plain lines.
 */
import { Terminal } from "npm:@xterm/xterm@6.0.0";
import { lineDiscipline } from "./line_discipline.ts";
import type { PacketRow } from "./packets.ts";
import type { FromWorker, ToWorker } from "./protocol.ts";

/** One entry of images.json, written by cli/web.ts. */
interface ImageInfo {
  name: string;
  description: string;
  network: boolean;
  interactive: boolean;
  world: boolean;
  bytes: number;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const imageSel = $<HTMLSelectElement>("image");
const seedIn = $<HTMLInputElement>("seed");
const lossIn = $<HTMLInputElement>("loss");
const latencyIn = $<HTMLInputElement>("latency");
const realtimeIn = $<HTMLInputElement>("realtime");
const bootBtn = $<HTMLButtonElement>("boot");
const haltBtn = $<HTMLButtonElement>("halt");
const statusEl = $<HTMLElement>("status");
const descriptionEl = $<HTMLElement>("image-description");
const consoleText = $<HTMLPreElement>("console-text");
const packetBody = $<HTMLTableSectionElement>("packet-rows");
const packetCount = $<HTMLElement>("packet-count");
const pcapBtn = $<HTMLButtonElement>("download-pcap");
const traceBtn = $<HTMLButtonElement>("download-trace");
const requestPanel = $<HTMLElement>("request-panel");
const methodSel = $<HTMLSelectElement>("method");
const pathIn = $<HTMLInputElement>("path");
const sendBtn = $<HTMLButtonElement>("send");
const responseStatus = $<HTMLElement>("response-status");
const responseText = $<HTMLPreElement>("response-text");

const term = new Terminal({ convertEol: false, cols: 100, rows: 30, fontSize: 13 });
term.open($("terminal"));

let images: ImageInfo[] = [];
let worker: Worker | null = null;
let run: Run | null = null;

/** What one run collects: its pcap and trace bytes, its console text, its state. */
interface Run {
  image: ImageInfo;
  seed: number;
  pcap: Uint8Array[];
  trace: string[];
  pendingRows: PacketRow[];
  consoleText: string;
  pendingText: string;
  decoder: TextDecoder;
  state: "booting" | "running" | "ended";
  /** On the browser's clock: typed keys reach COM1 (virtual-time runs take no input). */
  realtime: boolean;
  /** Frames captured so far (the list holds the first MAX_ROWS). */
  frames: number;
  traceComplete: boolean;
  /** performance.now() at Boot, at the first console bytes and at the end (benchmarks). */
  t0: number;
  tFirstConsole: number | null;
  tEnd: number | null;
}

function setStatus(s: string): void {
  statusEl.textContent = s;
}

function selected(): ImageInfo {
  return images.find((i) => i.name === imageSel.value) ?? images[0];
}

function updateControls(): void {
  const img = selected();
  descriptionEl.textContent = img ? ` — ${img.description}` : "";
  const running = run !== null && run.state !== "ended";
  bootBtn.disabled = false;
  haltBtn.disabled = !running;
  lossIn.disabled = latencyIn.disabled = !img?.network;
  realtimeIn.disabled = img?.network ?? false;
  pcapBtn.disabled = !run || !run.image.network || run.pcap.length === 0;
  traceBtn.disabled = !run || !run.traceComplete;
  requestPanel.hidden = !(run?.image.network && !run.image.world) &&
    !(img?.network && !img.world);
  sendBtn.disabled = !(running && run?.image.network && !run.image.world);
}

let frameQueued = false;
/** Console text and packet rows reach the DOM once per animation frame. */
function scheduleFlush(): void {
  if (frameQueued) return;
  frameQueued = true;
  requestAnimationFrame(() => {
    frameQueued = false;
    if (!run) return;
    if (run.pendingText) {
      consoleText.append(run.pendingText);
      run.pendingText = "";
    }
    if (run.pendingRows.length || run.frames > packetBody.rows.length) {
      const frag = document.createDocumentFragment();
      for (const r of run.pendingRows) {
        const tr = document.createElement("tr");
        tr.className = `proto-${r.protocol.toLowerCase().replace(/[^a-z0-9]/g, "")}`;
        for (const v of [String(r.no), r.time.toFixed(6), r.src, r.dst, r.protocol, r.info]) {
          const td = document.createElement("td");
          td.textContent = v;
          tr.append(td);
        }
        frag.append(tr);
      }
      run.pendingRows = [];
      packetBody.append(frag);
      packetCount.textContent = run.frames > packetBody.rows.length
        ? `${run.frames} frames (the first ${packetBody.rows.length} listed; the pcap has all)`
        : `${run.frames} frames`;
    }
    updateControls();
  });
}

function onMessage(r: Run, m: FromWorker): void {
  if (run !== r) return; // a message from a worker that was replaced
  switch (m.type) {
    case "ready":
      break;
    case "booted":
      r.state = "running";
      r.realtime = m.mode === "realtime";
      setStatus(`running ${r.image.name}, seed ${r.seed}, ${m.mode} time`);
      break;
    case "output": {
      if (m.console.length) {
        r.tFirstConsole ??= performance.now();
        term.write(m.console);
        const s = r.decoder.decode(m.console, { stream: true }).replaceAll("\r", "");
        r.consoleText += s;
        r.pendingText += s;
      }
      if (m.pcap.length) r.pcap.push(m.pcap);
      r.pendingRows.push(...m.rows);
      r.frames = m.frames;
      if (m.trace) r.trace.push(m.trace);
      break;
    }
    case "exit":
      r.tEnd = performance.now();
      r.state = "ended";
      r.traceComplete = true;
      {
        // An app's exit halts the machine with reason "exit N": that is a normal end.
        const normal = m.kind === "exited" || /^exit -?\d+$/.test(m.message);
        setStatus(
          `${r.image.name} ended: ${normal ? "exit status" : m.message + ", status"} ${m.status}`,
        );
      }
      document.body.dataset.exitStatus = String(m.status);
      break;
    case "response":
      if (m.ok) {
        const text = new TextDecoder().decode(m.raw);
        const status = /^HTTP\/\d\.\d (\d{3})/.exec(text)?.[1] ?? "?";
        responseStatus.textContent = `status ${status}, ${m.raw.length} bytes`;
        responseStatus.dataset.status = status;
        responseText.textContent = text.replaceAll("\r\n", "\n");
      } else {
        responseStatus.textContent = `failed: ${m.message}`;
        responseStatus.dataset.status = "error";
        responseText.textContent = "";
      }
      sendBtn.disabled = false;
      break;
    case "error":
      r.state = "ended";
      setStatus(`error: ${m.message}`);
      term.write(`\r\n\x1b[31mrumpsim: ${m.message}\x1b[0m\r\n`);
      break;
  }
  document.body.dataset.state = r.state;
  scheduleFlush();
}

function boot(): void {
  worker?.terminate();
  const image = selected();
  const seed = Number(seedIn.value);
  if (!/^\d+$/.test(seedIn.value) || seed > 0xffffffff) {
    setStatus(`seed "${seedIn.value}" is not a number in 0..4294967295`);
    return;
  }
  const loss = Number(lossIn.value || "0") / 100;
  const latencyMs = Number(latencyIn.value || "0");
  if (!(loss >= 0 && loss <= 1) || !(latencyMs >= 0 && latencyMs <= 60_000)) {
    setStatus("loss is 0..100 % and latency 0..60000 ms");
    return;
  }
  term.reset();
  keys = newKeys();
  consoleText.textContent = "";
  packetBody.textContent = "";
  packetCount.textContent = "0 frames";
  responseStatus.textContent = "";
  delete responseStatus.dataset.status;
  responseText.textContent = "";
  delete document.body.dataset.exitStatus;
  const r: Run = {
    image,
    seed,
    pcap: [],
    trace: [],
    pendingRows: [],
    consoleText: "",
    pendingText: "",
    decoder: new TextDecoder(),
    state: "booting",
    realtime: false,
    frames: 0,
    traceComplete: false,
    t0: performance.now(),
    tFirstConsole: null,
    tEnd: null,
  };
  run = r;
  setStatus(`booting ${image.name}, seed ${seed}...`);
  const w = worker = new Worker(`image-${image.name}.js`, { type: "module" });
  w.onmessage = (e: MessageEvent<FromWorker>) => onMessage(r, e.data);
  w.onerror = (e) => {
    e.preventDefault();
    onMessage(r, { type: "error", message: e.message || "the machine's worker failed to load" });
  };
  const msg: ToWorker = {
    type: "boot",
    seed,
    realtime: image.network ? true : realtimeIn.checked,
    loss,
    latencyMs,
  };
  w.postMessage(msg);
  updateControls();
  term.focus();
}

function halt(): void {
  const r = run;
  if (!worker || !r || r.state === "ended") return;
  worker.postMessage({ type: "halt" } satisfies ToWorker);
  // A world in virtual time pauses for the message every few ms and a realtime run waits on
  // the browser; one machine in virtual time (hello) runs to its end in one task: a worker
  // that does not answer within 1 s is stopped.
  setTimeout(() => {
    if (run === r && r.state !== "ended") {
      worker?.terminate();
      r.state = "ended";
      setStatus(`${r.image.name} halted (its worker was stopped; the trace is incomplete)`);
      document.body.dataset.state = "ended";
      updateControls();
    }
  }, 1000);
}

function download(name: string, parts: BlobPart[], type: string): void {
  const url = URL.createObjectURL(new Blob(parts, { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const newKeys = () =>
  lineDiscipline((s) => term.write(s), (line) => {
    if (!worker || run?.state !== "running") return;
    worker.postMessage({ type: "input", data: new TextEncoder().encode(line) } satisfies ToWorker);
  });
let keys = newKeys();
term.onData((s) => {
  if (run?.state === "running" && run.realtime) keys.input(s);
});

bootBtn.onclick = boot;
haltBtn.onclick = halt;
imageSel.onchange = () => {
  const img = selected();
  realtimeIn.checked = img.interactive || img.network;
  updateControls();
};
pcapBtn.onclick = () => {
  if (run) {
    download(
      `${run.image.name}-${run.seed}.pcap`,
      run.pcap as BlobPart[],
      "application/vnd.tcpdump.pcap",
    );
  }
};
traceBtn.onclick = () => {
  if (run) download(`${run.image.name}-${run.seed}.trace.json`, run.trace, "application/json");
};
sendBtn.onclick = () => {
  if (!worker || run?.state !== "running") return;
  const path = pathIn.value.startsWith("/") ? pathIn.value : "/" + pathIn.value;
  responseStatus.textContent = `sending ${methodSel.value} ${path}...`;
  delete responseStatus.dataset.status;
  sendBtn.disabled = true;
  worker.postMessage({ type: "request", method: methodSel.value, path } satisfies ToWorker);
};

/** For tests, benchmarks and the curious: the run's console text, pcap bytes and timing. */
(globalThis as Record<string, unknown>).rumpsim = {
  consoleText: () => run?.consoleText ?? "",
  /** Milliseconds from Boot to the first console bytes and to the run's end (null: not yet). */
  timing: () => ({
    firstConsoleMs: run?.tFirstConsole != null ? run.tFirstConsole - run.t0 : null,
    endMs: run?.tEnd != null ? run.tEnd - run.t0 : null,
  }),
  pcapBytes: () => {
    const parts = run?.pcap ?? [];
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  },
};

async function start(): Promise<void> {
  try {
    const res = await fetch("images.json");
    images = await res.json();
  } catch (e) {
    setStatus(`cannot load the image list: ${(e as Error).message}`);
    return;
  }
  for (const img of images) {
    const o = document.createElement("option");
    o.value = img.name;
    o.textContent = img.name;
    o.title = img.description;
    imageSel.append(o);
  }
  const q = new URLSearchParams(location.search);
  const want = q.get("image");
  if (want !== null) {
    if (images.some((i) => i.name === want)) imageSel.value = want;
    else setStatus(`no image "${want}" (images: ${images.map((i) => i.name).join(", ")})`);
  }
  if (q.get("seed") !== null) seedIn.value = q.get("seed")!;
  const img = selected();
  realtimeIn.checked = img.interactive || img.network;
  updateControls();
  document.body.dataset.state = "idle";
  if (q.get("autoboot") === "1" && (want === null || imageSel.value === want)) boot();
  else if (want === null || imageSel.value === want) setStatus("choose an image and Boot");
}

start();
