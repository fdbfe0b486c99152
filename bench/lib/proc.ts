// Reading figures of other processes from /proc (Linux only).
import { readFileSync, readdirSync } from 'node:fs';

const CLK_TCK = 100; // USER_HZ on Linux

export function rssBytes(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

interface StatFields { ppid: number; ticks: number }

function stat(pid: number): StatFields | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces/parens: fields start after the last ')'
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // rest[0] = state (field 3), so field N is rest[N - 3]
    return { ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]) };
  } catch {
    return null;
  }
}

/** All descendants of `pid` (not including it). */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (!s) continue;
    const list = children.get(s.ppid) ?? [];
    list.push(Number(name));
    children.set(s.ppid, list);
  }
  const out: number[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length) {
    const p = queue.shift()!;
    out.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return out;
}

export interface MemorySample { serverRss: number | null; childrenRss: number | null }

/** RSS of the server process itself, and the summed RSS of its descendants (embedded PostgreSQL). */
export function memorySample(pid: number): MemorySample {
  const serverRss = rssBytes(pid);
  let childrenRss: number | null = null;
  for (const c of descendants(pid)) {
    const r = rssBytes(c);
    if (r !== null) childrenRss = (childrenRss ?? 0) + r;
  }
  return { serverRss, childrenRss };
}

export interface CpuSample { at: number; server: number; children: Map<number, number> }

export function cpuSample(pid: number): CpuSample | null {
  const s = stat(pid);
  if (!s) return null;
  const children = new Map<number, number>();
  for (const c of descendants(pid)) {
    const t = stat(c)?.ticks;
    if (t !== undefined) children.set(c, t);
  }
  return { at: performance.now(), server: s.ticks, children };
}

/**
 * CPU use between two samples, in percent of one core (200 = both cores of a 2-core machine).
 * Descendants are compared per process: new ones count in full, ones that ended in between are
 * missing (so the PostgreSQL figure is a lower bound).
 */
export function cpuPercent(a: CpuSample | null, b: CpuSample | null): { serverCpuPct: number; postgresCpuPct: number } | null {
  if (!a || !b) return null;
  const secs = (b.at - a.at) / 1000;
  if (secs <= 0) return null;
  let childTicks = 0;
  for (const [pid, ticks] of b.children) childTicks += Math.max(0, ticks - (a.children.get(pid) ?? 0));
  return {
    serverCpuPct: Math.round(((b.server - a.server) / CLK_TCK / secs) * 1000) / 10,
    postgresCpuPct: Math.round((childTicks / CLK_TCK / secs) * 1000) / 10,
  };
}

/** Median of samples taken every 250 ms for `ms` (RSS jumps around with the server's GC). */
export async function memoryMedian(pid: number, ms: number): Promise<MemorySample> {
  const samples: MemorySample[] = [];
  const until = performance.now() + ms;
  do {
    samples.push(memorySample(pid));
    await new Promise((r) => setTimeout(r, 250));
  } while (performance.now() < until);
  const median = (xs: Array<number | null>) => {
    const v = xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
    return v.length ? v[Math.floor(v.length / 2)] : null;
  };
  return { serverRss: median(samples.map((s) => s.serverRss)), childrenRss: median(samples.map((s) => s.childrenRss)) };
}
