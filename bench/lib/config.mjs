// Settings from the environment, and the run's clock for the progress log on stderr.
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const MiB = 1024 * 1024;

const num = (name, fallback) => Number(process.env[name] ?? fallback);
// The 1 GiB: a full run took 505 s on 2 cores (2026-11-25).
const bigMiB = num('BENCH_BIG_MIB', 1024);
const rounds = num('BENCH_ROUNDS', 3);

export const config = {
  bigMiB,
  rounds,
  latencyRounds: Math.max(rounds, 5),
  // Throughput moves 10–20% from round to round (the disk still writing back the rounds before):
  // three rounds put Firefox at 0.88× in one run and 1.09× in the next.
  throughputRounds: Math.max(rounds, 5),
  smallFiles: num('BENCH_SMALL_N', 1000),
  smallBytes: num('BENCH_SMALL_KIB', 10) * 1024,
  // The added time is a few ms at most: 30 loads gave 95% intervals 15–20 ms wide, 150 about 3 ms.
  pageLoads: num('BENCH_LOADS', 150),
  popupRegistrations: num('BENCH_POPUP_REGS', 1000),
  popupRounds: num('BENCH_POPUP_ROUNDS', 10),
  popupProgressRounds: num('BENCH_POPUP_PROGRESS_ROUNDS', 6),
};
export const BIG = bigMiB * MiB;
export const BIG_TIMEOUT = Math.max(300_000, bigMiB * 1000);

const started = Date.now();
export const elapsedSeconds = () => Math.round((Date.now() - started) / 1000);
export const log = (...args) => console.error(`[bench ${elapsedSeconds()}s]`, ...args);
