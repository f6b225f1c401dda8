/**
 * The callers file: who may call the service and with which role. API keys
 * are held only as SHA-256 hashes, each with a name and a role; client
 * certificate identities (a URI SAN such as spiffe://example.org/billing, or
 * a DNS name) map to roles the same way. The file is checked whole before it
 * is used, at start-up and on every reload, so a mistake never half-applies.
 *
 * ```json
 * { "keys": [ { "name": "billing-service", "role": "writer", "sha256": "<64 hex>", "created": "2026-11-29T10:00:00.000Z" } ],
 *   "certificates": [ { "identity": "spiffe://herald.test/billing", "role": "reader" } ] }
 * ```
 */
import { timingSafeEqual } from 'node:crypto';
import { watch as watchPath, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { hashApiKey } from './api-keys.ts';
import type { Caller } from './caller.ts';
import { CallersFileError, parseCallersDocument, type CallersDocument } from './callers-document.ts';

export { CallersFileError } from './callers-document.ts';

export interface CallersFileOptions {
  /** Where reloads are reported; nothing is logged without it. */
  readonly logger?: Logger;
}

/** A checked file, ready for lookups. */
interface Loaded {
  readonly text: string;
  readonly digests: readonly Buffer[];
  readonly keyCallers: readonly Caller[];
  readonly certificates: ReadonlyMap<string, Caller>;
}

/**
 * How certificate identities compare: a DNS name without regard to case (as
 * DNS does, and as certificateIdentity lower-cases it), a URI exactly.
 */
function identityKey(identity: string): string {
  return identity.includes('://') ? identity : identity.toLowerCase();
}

function compile(document: CallersDocument, text: string): Loaded {
  return {
    text,
    digests: document.keys.map((key) => Buffer.from(key.sha256, 'hex')),
    keyCallers: document.keys.map((key) => Object.freeze({ name: key.name, role: key.role, via: 'api-key' as const })),
    certificates: new Map(
      document.certificates.map((c) => [identityKey(c.identity), Object.freeze({ name: c.identity, role: c.role, via: 'certificate' as const })]),
    ),
  };
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new CallersFileError(path, [`cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`]);
  }
}

/** Waits this long after a change in the file's folder, so that one save (often several events) is one reload. */
const SETTLE_MS = 50;

type Trigger = 'change' | 'SIGHUP';

/**
 * The callers file in force: lookups by API key and by certificate identity,
 * and reloads that swap the whole contents at once or not at all.
 */
export class CallersFile {
  readonly #path: string;
  readonly #logger: Logger | undefined;
  #loaded: Loaded;
  /** The text of the last version refused, so that it is reported once. */
  #rejected: string | undefined;

  private constructor(path: string, loaded: Loaded, logger: Logger | undefined) {
    this.#path = path;
    this.#loaded = loaded;
    this.#logger = logger;
  }

  /** Reads and checks the file now: a bad file fails start-up with a clear CallersFileError. */
  static async load(path: string, options: CallersFileOptions = {}): Promise<CallersFile> {
    const absolute = resolve(path);
    const text = await readText(absolute);
    return new CallersFile(absolute, compile(parseCallersDocument(text, absolute), text), options.logger);
  }

  /** How many keys and certificates are loaded (for a start-up log line). */
  get counts(): { keys: number; certificates: number } {
    return { keys: this.#loaded.keyCallers.length, certificates: this.#loaded.certificates.size };
  }

  /**
   * The caller a bearer key names, or undefined for an unknown key. The key's
   * SHA-256 is compared with every stored hash, all of the same length, and
   * the loop never stops early: the time taken says nothing of which hash,
   * if any, came close.
   */
  lookupKey(key: string): Caller | undefined {
    const { digests, keyCallers } = this.#loaded;
    const presented = Buffer.from(hashApiKey(key), 'hex');
    let found = 0; // 1 + the matching entry's index; hashes are unique, so at most one matches
    for (let index = 0; index < digests.length; index += 1) {
      found |= Number(timingSafeEqual(presented, digests[index]!)) * (index + 1);
    }
    return found === 0 ? undefined : keyCallers[found - 1];
  }

  /** The caller a certificate identity names (compared exactly); undefined when not listed. */
  lookupCertificate(identity: string): Caller | undefined {
    return this.#loaded.certificates.get(identityKey(identity));
  }

  /**
   * Re-reads the file when anything in its folder changes (so that editors'
   * rename-and-replace saves, atomic writes and symlink swaps are all seen)
   * and on SIGHUP. A change applies only when the text differs; SIGHUP always
   * re-reads. A bad new file is logged (its problems, never its contents)
   * and the previous contents stay in force. Returns a stop function.
   */
  watch(): () => void {
    let stopped = false;
    let running = false;
    let pending: Trigger | undefined;
    let timer: NodeJS.Timeout | undefined;
    const run = async (trigger: Trigger): Promise<void> => {
      if (running) {
        pending = pending === 'SIGHUP' ? pending : trigger;
        return;
      }
      running = true;
      try {
        await this.#reload(trigger, () => stopped);
      } finally {
        running = false;
      }
      const next = pending;
      pending = undefined;
      if (next !== undefined && !stopped) await run(next);
    };
    const onChange = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => void run('change'), SETTLE_MS);
      timer.unref();
    };
    const onSighup = (): void => void run('SIGHUP');

    let watcher: FSWatcher | undefined;
    try {
      watcher = watchPath(dirname(this.#path), { persistent: false }, onChange);
      watcher.on('error', (error) => this.#logger?.error({ file: this.#path, err: error.message }, 'callers file watch failed; send SIGHUP to reload'));
    } catch (error) {
      this.#logger?.error({ file: this.#path, err: (error as Error).message }, 'cannot watch the callers file; send SIGHUP to reload');
    }
    process.on('SIGHUP', onSighup);
    return () => {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      watcher?.close();
      process.off('SIGHUP', onSighup);
    };
  }

  async #reload(trigger: Trigger, stopped: () => boolean): Promise<void> {
    let loaded: Loaded;
    let text: string | undefined;
    try {
      text = await readText(this.#path);
      // A change elsewhere in the folder (a log file beside it, say) leaves
      // the file as it was: nothing to apply, and a rejected text is not
      // reported again until it changes (or SIGHUP asks for it).
      if (stopped() || (trigger === 'change' && (text === this.#loaded.text || text === this.#rejected))) return;
      loaded = compile(parseCallersDocument(text, this.#path), text);
    } catch (error) {
      if (stopped()) return;
      this.#rejected = text;
      const problems = error instanceof CallersFileError ? error.problems : [(error as Error).message];
      this.#logger?.error(
        { file: this.#path, trigger, problems },
        'callers file not reloaded: it is invalid; the previous contents stay in force',
      );
      return;
    }
    this.#loaded = loaded;
    this.#rejected = undefined;
    this.#logger?.info({ file: this.#path, trigger, ...this.counts }, 'callers file reloaded');
  }
}
