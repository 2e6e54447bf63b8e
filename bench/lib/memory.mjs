// Process memory on Linux: PSS (proportional set size, shared pages split between their users)
// of a browser's process tree, from /proc.
import { readdirSync, readFileSync } from 'node:fs';

const read = (file) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

function childrenByParent() {
  const byParent = new Map();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    const stat = read(`/proc/${pid}/stat`);
    if (!stat) continue;
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!byParent.has(ppid)) byParent.set(ppid, []);
    byParent.get(ppid).push(Number(pid));
  }
  return byParent;
}

function tree(rootPid) {
  const byParent = childrenByParent();
  const out = [];
  const stack = [rootPid];
  while (stack.length) {
    const pid = stack.pop();
    out.push(pid);
    stack.push(...(byParent.get(pid) ?? []));
  }
  return out;
}

function pssKiB(pid) {
  const m = /^Pss:\s+(\d+)/m.exec(read(`/proc/${pid}/smaps_rollup`));
  return m ? Number(m[1]) : 0;
}

const cmdline = (pid) => read(`/proc/${pid}/cmdline`).split('\0');
const comm = (pid) => read(`/proc/${pid}/comm`).trim();

/**
 * Samples every 250 ms until stop(): growth of the whole browser's PSS over its value at the
 * start, and of the extension's own process when `isExtensionProcess(args, name)` finds it.
 */
export function memorySampler(rootPid, isExtensionProcess) {
  const ext = tree(rootPid).filter((pid) => isExtensionProcess(cmdline(pid), comm(pid)));
  const sample = () => ({
    total: tree(rootPid).reduce((sum, pid) => sum + pssKiB(pid), 0),
    ext: ext.reduce((sum, pid) => sum + pssKiB(pid), 0),
  });
  const base = sample();
  let peak = { ...base };
  const take = () => {
    const s = sample();
    peak = { total: Math.max(peak.total, s.total), ext: Math.max(peak.ext, s.ext) };
  };
  const timer = setInterval(take, 250);
  return {
    extFound: ext.length > 0,
    stop() {
      clearInterval(timer);
      take();
      return {
        totalGrowthMiB: (peak.total - base.total) / 1024,
        extGrowthMiB: ext.length ? (peak.ext - base.ext) / 1024 : NaN,
      };
    },
  };
}
