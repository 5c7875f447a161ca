// 2. Delivery overhead: fal reports the job COMPLETED → the last attachment of the result
//    is at the fake Discord; compared with the bytes' plain transfer time on loopback.
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import type { RestRecord } from "../../fakes/discord/index.js";
import { makePng } from "../../fakes/fal/index.js";
import { Job as FakeFalJob } from "../../fakes/fal/queue.js";
import { startStack } from "../../test/support/stack.js";
import { round, roundSummary, summarize, type Summary } from "../stats.js";
import { imagine, JobWatch, trackBodyReceived, waitUntil, warmUp } from "../support.js";

export interface DeliveryCase {
  images: number;
  bytesPerImage: number;
}

export interface DeliveryOptions {
  cases: DeliveryCase[];
  samples: number;
  /** Runs of the plain loopback POST per case (after one warm-up). */
  floorRuns: number;
}

export interface DeliveryCaseResult {
  images: number;
  bytesPerImage: number;
  totalBytes: number;
  samples: number;
  /** Discord messages that carried the images (the bot splits at Discord's per-message limit). */
  messages: number;
  /**
   * COMPLETED → arrival of the request carrying the last file (fake Discord's `at`),
   * without the time the fake fal spent synthesising the PNGs (see fakeImageSynthesisMs).
   */
  overheadMs: Summary;
  /** COMPLETED → the fake Discord had read the whole body of that request, same correction. */
  overheadToLastByteMs: Summary;
  /** As overheadMs, uncorrected: includes the fake fal's PNG synthesis. */
  rawOverheadMs: Summary;
  /** Time the fake fal spent making the result PNGs on the first result read (blocks the shared event loop). */
  fakeImageSynthesisMs: Summary;
  /** Plain HTTP POST of totalBytes to a local server, until its answer: the physical floor. */
  loopbackFloorMs: Summary;
  /** overheadMs.p50 / loopbackFloorMs.p50 (the bot moves the bytes twice: fal CDN → bot → Discord). */
  ratioToFloorP50: number;
  /** Median of each step, to see where the time goes (times are when each request reached the fake; synthesis taken out). */
  stepsP50Ms: { completedToResultRead: number; resultReadToLastDownload: number; lastDownloadToFirstFilePost: number; firstToLastFilePost: number; lastPostToLastByte: number };
  /** Where COMPLETED was taken from: the first status read answered 200, or the job's scripted timeline. */
  completedFrom: "status-read" | "timeline";
}

export interface DeliveryResult {
  settings: { pollIntervalMs: number; progressEditIntervalMs: number; falRunMs: number };
  cases: DeliveryCaseResult[];
}

const FAL_RUN_MS = 100;

export async function benchDelivery(options: DeliveryOptions, log: (line: string) => void = () => {}): Promise<DeliveryResult> {
  // Time the fake fal spends building each job's PNGs: real fal serves finished files, so it is taken out.
  const synthesis = new Map<string, number>();
  const resultReply = FakeFalJob.prototype.resultReply;
  FakeFalJob.prototype.resultReply = function (this: FakeFalJob, ...args: Parameters<typeof resultReply>) {
    const t = performance.now();
    try {
      return resultReply.apply(this, args);
    } finally {
      synthesis.set(this.id, (synthesis.get(this.id) ?? 0) + performance.now() - t);
    }
  };
  // The stack's short intervals (poll 40 ms, progress edits 150 ms): the window starts when fal
  // reports COMPLETED, so polling does not count, and the "fetching" progress edit is sent as in any real job.
  // Up to 8 images a job: no price confirmation to press (the window measured starts at fal's COMPLETED anyway).
  const stack = await startStack({ env: { CONFIRM_COST_ABOVE_USD: "off" } });
  const cases: DeliveryCaseResult[] = [];
  try {
    const { discord, fal } = stack;
    const receivedAt = trackBodyReceived(discord);
    const reference = discord.attachment(makePng({ width: 256, height: 256, seed: 3, targetBytes: 50_000 }), "knight.png");
    await warmUp(stack, reference);
    const watch = new JobWatch(stack.logs);
    let index = 0;
    for (const c of options.cases) {
      log(`delivery: ${c.images} × ${(c.bytesPerImage / 1e6).toFixed(0)} MB, ${options.samples} jobs`);
      const raw: number[] = [];
      const net: number[] = [];
      const netLastByte: number[] = [];
      const synth: number[] = [];
      const steps: Record<keyof DeliveryCaseResult["stepsP50Ms"], number[]> = {
        completedToResultRead: [],
        resultReadToLastDownload: [],
        lastDownloadToFirstFilePost: [],
        firstToLastFilePost: [],
        lastPostToLastByte: [],
      };
      let messages = 0;
      let completedFrom: DeliveryCaseResult["completedFrom"] = "status-read";
      for (let sample = 0; sample < options.samples; sample++) {
        const falFrom = fal.requests.length;
        const before = watch.finished;
        fal.script({ queueMs: 0, runMs: FAL_RUN_MS, imageBytes: c.bytesPerImage });
        const handle = imagine(discord, reference, index++, { count: c.images });
        await waitUntil(() => watch.finished > before, 60_000, `delivery of ${c.images} × ${c.bytesPerImage} B`, 5);
        if (watch.failed > 0) throw new Error("bench: a delivery job failed; see the bot's log (E2E_DEBUG=1)");
        const submit = fal.submits[fal.submits.length - 1]!;
        const requestId = submit.requestId!;
        const falLog = fal.requests.slice(falFrom);
        const completedRead = falLog.find((r) => r.kind === "status" && r.requestId === requestId && r.status === 200);
        if (!completedRead) completedFrom = "timeline";
        const completedAt = completedRead?.at ?? submit.at + FAL_RUN_MS;
        const resultRead = falLog.find((r) => r.kind === "result" && r.requestId === requestId);
        const downloads = falLog.filter((r) => r.kind === "cdn" && r.method === "GET");
        const filePosts = discord.requests.filter((r) => r.path.includes(handle.token) && r.files.length > 0);
        const last: RestRecord | undefined = filePosts[filePosts.length - 1];
        if (!last || !resultRead || downloads.length === 0) throw new Error("bench: delivery left no trace in the fakes' request logs");
        const lastByte = receivedAt(last) ?? last.at;
        const fake = synthesis.get(requestId) ?? 0;
        messages = filePosts.length;
        raw.push(last.at - completedAt);
        net.push(last.at - completedAt - fake);
        netLastByte.push(lastByte - completedAt - fake);
        synth.push(fake);
        steps.completedToResultRead.push(resultRead.at - completedAt);
        steps.resultReadToLastDownload.push(downloads[downloads.length - 1]!.at - resultRead.at - fake);
        steps.lastDownloadToFirstFilePost.push(filePosts[0]!.at - downloads[downloads.length - 1]!.at);
        steps.firstToLastFilePost.push(last.at - filePosts[0]!.at);
        steps.lastPostToLastByte.push(lastByte - last.at);
      }
      const totalBytes = c.images * c.bytesPerImage;
      const floor = summarize(await loopbackPostMs(totalBytes, options.floorRuns));
      const overhead = summarize(net);
      cases.push({
        images: c.images,
        bytesPerImage: c.bytesPerImage,
        totalBytes,
        samples: options.samples,
        messages,
        overheadMs: roundSummary(overhead),
        overheadToLastByteMs: roundSummary(summarize(netLastByte)),
        rawOverheadMs: roundSummary(summarize(raw)),
        fakeImageSynthesisMs: roundSummary(summarize(synth)),
        loopbackFloorMs: roundSummary(floor, 2),
        ratioToFloorP50: round(overhead.p50 / floor.p50, 1),
        stepsP50Ms: {
          completedToResultRead: round(summarize(steps.completedToResultRead).p50),
          resultReadToLastDownload: round(summarize(steps.resultReadToLastDownload).p50),
          lastDownloadToFirstFilePost: round(summarize(steps.lastDownloadToFirstFilePost).p50),
          firstToLastFilePost: round(summarize(steps.firstToLastFilePost).p50),
          lastPostToLastByte: round(summarize(steps.lastPostToLastByte).p50),
        },
        completedFrom,
      });
    }
    return {
      settings: { pollIntervalMs: stack.config.pollIntervalMs, progressEditIntervalMs: stack.config.progressEditIntervalMs, falRunMs: FAL_RUN_MS },
      cases,
    };
  } finally {
    FakeFalJob.prototype.resultReply = resultReply;
    await stack.stop();
  }
}

/** Times plain HTTP POSTs of `bytes` bytes to a server on 127.0.0.1 (request start → answer), after one warm-up. */
export async function loopbackPostMs(bytes: number, runs: number): Promise<number[]> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(204);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const body = Buffer.alloc(bytes, 0x5a);
  const post = () =>
    new Promise<number>((resolve, reject) => {
      const started = performance.now();
      const req = request({ host: "127.0.0.1", port, method: "POST", path: "/", headers: { "content-type": "application/octet-stream", "content-length": bytes } }, (res) => {
        res.resume();
        res.on("end", () => resolve(performance.now() - started));
      });
      req.on("error", reject);
      req.end(body);
    });
  try {
    await post();
    const times: number[] = [];
    for (let i = 0; i < runs; i++) times.push(await post());
    return times;
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
