/**
 * The rejected-rows file, `<input>.rejected.jsonl`: one JSON object per
 * rejected row, {line, user_id, reasons: [{field, reason, description}]}.
 * Created on the first rejection; a file left by an earlier run is removed
 * at the start so that what is there always belongs to the last run.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Reason } from './records.ts';

export class RejectsFile {
  #out: WriteStream | undefined;
  #failed: Error | undefined;
  count = 0;

  private constructor(readonly path: string) {}

  /** Removes the file of an earlier run. */
  static async open(path: string): Promise<RejectsFile> {
    await rm(path, { force: true });
    return new RejectsFile(path);
  }

  write(line: number | null, userId: string | null, reasons: readonly Reason[]): void {
    if (this.#out === undefined) {
      this.#out = createWriteStream(this.path, { flags: 'w' });
      this.#out.on('error', (error) => (this.#failed = error));
    }
    this.count += 1;
    const entry = { line, user_id: userId, reasons: reasons.map(({ field, reason, description }) => ({ field, reason, description })) };
    this.#out.write(`${JSON.stringify(entry)}\n`);
  }

  /** A promise to wait on while the file's buffer is full, else undefined. */
  backpressure(): Promise<void> | undefined {
    const out = this.#out;
    if (out === undefined || !out.writableNeedDrain || this.#failed !== undefined) return undefined;
    return new Promise((resolve) => {
      out.once('drain', resolve);
      out.once('error', () => resolve());
    });
  }

  /** Flushes and closes the file; rejects if any write failed. */
  async close(): Promise<void> {
    const out = this.#out;
    if (out !== undefined) {
      await new Promise<void>((resolve) => out.end(resolve));
    }
    if (this.#failed !== undefined) throw this.#failed;
  }
}
