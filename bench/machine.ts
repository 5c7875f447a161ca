import { readdirSync, readFileSync } from "node:fs";
import { arch, cpus, loadavg, platform, release, totalmem } from "node:os";

export interface Machine {
  cpuModel: string;
  cores: number;
  nodeVersion: string;
  platform: string;
  arch: string;
  osRelease: string;
  totalMemoryMb: number;
  /** 1-minute load average when the run started (other work on the machine skews timings). */
  loadAverage1m: number;
}

export function describeMachine(): Machine {
  const cpuList = cpus();
  return {
    cpuModel: cpuList[0]?.model.trim() ?? "unknown",
    cores: cpuList.length,
    nodeVersion: process.version,
    platform: platform(),
    arch: arch(),
    osRelease: release(),
    totalMemoryMb: Math.round(totalmem() / 2 ** 20),
    loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

/** Test runs in progress on this machine (Linux /proc), which would skew the timings; [] elsewhere. */
export function otherBusyProcesses(): string[] {
  const found: string[] = [];
  try {
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid) || Number(pid) === process.pid || Number(pid) === process.ppid) continue;
      let cmdline: string;
      try {
        cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim();
      } catch {
        continue;
      }
      if (/vitest|\btsc\b/.test(cmdline)) found.push(`${pid} ${cmdline.slice(0, 80)}`);
    }
  } catch {
    // not Linux
  }
  return found;
}
