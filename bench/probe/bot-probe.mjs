// Preloaded into the bot's own process by the benchmark (`node --import <this file>
// dist/src/index.js`), so memory and event-loop delay can be read from the bot alone
// without touching src/. Plain JavaScript so it needs no compiling. Answers IPC messages:
//   { cmd: "phase" }  → event-loop delay since the last phase, peak RSS/heap, then resets
//   { cmd: "memory", gc: boolean } → current memory (after two GCs when asked and exposed)
//   { cmd: "snapshot", path }     → writes a heap snapshot there (for digging; not used by the runs)
import { monitorEventLoopDelay } from "node:perf_hooks";
import { writeHeapSnapshot } from "node:v8";

const RESOLUTION_MS = 10;
const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
histogram.enable();
let phaseStart = performance.now();
let rssPeak = 0;
let heapPeak = 0;
let overallRssPeak = 0;

function sample() {
  const { rss, heapUsed } = process.memoryUsage();
  rssPeak = Math.max(rssPeak, rss);
  heapPeak = Math.max(heapPeak, heapUsed);
  overallRssPeak = Math.max(overallRssPeak, rss);
}
sample();
setInterval(sample, 100).unref();

const excess = (ns) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
const MB = 2 ** 20;

function memory() {
  const m = process.memoryUsage();
  return { rssMb: m.rss / MB, heapUsedMb: m.heapUsed / MB, externalMb: m.external / MB, arrayBuffersMb: m.arrayBuffers / MB, overallRssPeakMb: overallRssPeak / MB };
}

process.on("message", (message) => {
  if (!process.send || typeof message !== "object" || message === null) return;
  if (message.cmd === "phase") {
    sample();
    const phase = {
      durationMs: performance.now() - phaseStart,
      eventLoopDelayP50Ms: histogram.count > 0 ? excess(histogram.percentile(50)) : 0,
      eventLoopDelayP99Ms: histogram.count > 0 ? excess(histogram.percentile(99)) : 0,
      eventLoopDelayMaxMs: histogram.count > 0 ? excess(histogram.max) : 0,
      rssPeakMb: rssPeak / MB,
      heapUsedPeakMb: heapPeak / MB,
    };
    histogram.reset();
    rssPeak = 0;
    heapPeak = 0;
    sample();
    phaseStart = performance.now();
    process.send({ reply: "phase", phase });
  } else if (message.cmd === "snapshot") {
    process.send({ reply: "snapshot", file: writeHeapSnapshot(message.path) });
  } else if (message.cmd === "memory") {
    const gc = globalThis.gc;
    if (message.gc && gc) {
      gc();
      setTimeout(() => {
        gc();
        process.send?.({ reply: "memory", memory: memory(), gc: true });
      }, 50);
    } else {
      process.send({ reply: "memory", memory: memory(), gc: false });
    }
  }
});
// The IPC channel must not keep the bot alive, nor change how it exits.
process.channel?.unref();
