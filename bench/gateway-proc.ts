// What the gateway benchmark reads of another process from /proc: CPU time (utime + stime) and
// resident memory (VmRSS), and a sampler of the latter while something runs.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  if (!(ticksPerSecond > 0)) throw new Error('getconf CLK_TCK gave no clock tick rate');
  return ticksPerSecond;
}

/** User + system CPU time the process has used so far, in microseconds (resolution: one clock tick). */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ")".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, so 12 and 13 after the name.
  const ticks = Number(fields[11]) + Number(fields[12]);
  if (!Number.isFinite(ticks)) throw new Error(`unreadable /proc/${pid}/stat`);
  return (ticks * 1e6) / clockTicks();
}

/** CPU of a process and its children (socat forks one per connection), µs. */
export function treeCpuMicros(pid: number): number {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    // No children file (the process is gone): its own time, or the error below.
  }
  let total = cpuMicros(pid);
  for (const c of children) {
    try {
      total += cpuMicros(c);
    } catch {
      // A child that exited between the listing and the read: its time is lost either way.
    }
  }
  return total;
}

/** Resident set size in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

/** Samples a process's RSS every `everyMs` until stopped; returns the peak and the samples' count. */
export function sampleRss(pid: number, everyMs = 50): { stop(): { peak: number; samples: number } } {
  let peak = rssBytes(pid);
  let samples = 1;
  const timer = setInterval(() => {
    peak = Math.max(peak, rssBytes(pid));
    samples++;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, rssBytes(pid));
      return { peak, samples: samples + 1 };
    },
  };
}
