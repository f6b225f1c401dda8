/**
 * What the operator sees while the upload runs: a progress bar (bytes of
 * the file read, users per second, ETA) on a terminal, or a plain line every
 * two seconds when the output is a file or a pipe.
 */
import { SingleBar } from 'cli-progress';
import type { ReadProgress } from './sources.ts';
import type { UploadStats } from './upload.ts';

export interface Progress {
  stop(): void;
}

/** Users acknowledged per second since `startedAt`. */
export function rate(stats: UploadStats, startedAt: number, now = Date.now()): number {
  const seconds = (now - startedAt) / 1000;
  return seconds <= 0 ? 0 : stats.acknowledged / seconds;
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

function eta(readBytes: number, totalBytes: number, startedAt: number, now: number): string {
  if (readBytes <= 0 || readBytes >= totalBytes) return '-';
  const seconds = ((now - startedAt) / 1000) * ((totalBytes - readBytes) / readBytes);
  if (!Number.isFinite(seconds)) return '-';
  const whole = Math.ceil(seconds);
  return whole >= 60 ? `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s` : `${whole}s`;
}

/** Starts showing progress on `out`; `stop` leaves the last state on screen. */
export function showProgress(
  out: NodeJS.WriteStream,
  totalBytes: number,
  read: ReadProgress,
  stats: UploadStats,
  startedAt: number,
): Progress {
  const payload = () => ({
    users: stats.acknowledged,
    rate: Math.round(rate(stats, startedAt)),
    rejected: stats.rejected + stats.malformed,
  });
  if (out.isTTY === true) {
    const bar = new SingleBar({
      stream: out,
      format: ' {bar} {percentage}% | {users} users stored or rejected | {rate} users/s | {rejected} rejected | ETA {eta_formatted}',
      barCompleteChar: '█',
      barIncompleteChar: '░',
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    });
    bar.start(Math.max(totalBytes, 1), 0, payload());
    const timer = setInterval(() => bar.update(read.bytes, payload()), 200);
    return {
      stop() {
        clearInterval(timer);
        bar.update(Math.max(totalBytes, 1) === 1 ? 1 : read.bytes, payload());
        bar.stop();
      },
    };
  }
  const timer = setInterval(() => {
    const now = Date.now();
    const percent = totalBytes === 0 ? 100 : Math.min(100, (100 * read.bytes) / totalBytes);
    const p = payload();
    out.write(
      `progress: ${percent.toFixed(1)}% read (${mib(read.bytes)} of ${mib(totalBytes)}), ` +
        `${p.users} users stored or rejected, ${p.rate} users/s, ${p.rejected} rejected, ETA ${eta(read.bytes, totalBytes, startedAt, now)}\n`,
    );
  }, 2000);
  return { stop: () => clearInterval(timer) };
}
