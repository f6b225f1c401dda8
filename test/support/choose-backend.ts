/**
 * Which MongoDB the test run talks to, decided from the environment and from
 * cheap probes. Pure apart from the probes it is handed, so the order of
 * preference is unit-tested without Docker or a mongod binary.
 */

/**
 * The kinds of MongoDB a test run can use: the first four in order of
 * preference; `documentdb` (Microsoft's DocumentDB, a second server nobody
 * here wrote) only when TEST_MONGO names it.
 */
export const BACKENDS = ['uri', 'container', 'embedded', 'emulator', 'documentdb'] as const;

export type BackendName = (typeof BACKENDS)[number];

/** The environment variables that steer the choice. */
export interface BackendEnv {
  /** A real server (a replica set, for transactions). */
  readonly MONGODB_URI?: string | undefined;
  /** Forces one backend: `uri`, `container`, `embedded`, `emulator` or `documentdb`. */
  readonly TEST_MONGO?: string | undefined;
}

/** Questions asked only when the answer matters, cheapest first. */
export interface BackendProbes {
  /** Whether a Docker engine answers; must give up within a second or two. */
  readonly dockerEngineAnswers: () => Promise<boolean>;
  /** Path of a mongod binary that can start without a download, if any. */
  readonly localMongodBinary: () => Promise<string | undefined>;
}

export interface BackendChoice {
  readonly backend: BackendName;
  /** Whether TEST_MONGO asked for it (then a failure to start says so). */
  readonly forced: boolean;
  /** Why this backend, for the one line the run prints. */
  readonly reason: string;
  /** For `embedded`: a binary known to be present; absent means the
   * package may download one (only when forced). */
  readonly mongodBinary?: string;
}

/** A TEST_MONGO value or a MONGODB_URI that cannot be used. */
export class BackendChoiceError extends Error {
  override get name(): string {
    return 'BackendChoiceError';
  }
}

function isBackendName(value: string): value is BackendName {
  return (BACKENDS as readonly string[]).includes(value);
}

/**
 * Picks one backend: TEST_MONGO when set, else MONGODB_URI, else a container
 * when a Docker engine answers, else an embedded mongod when a binary is
 * already on disk, else the in-process emulator. Probes run lazily, so a set
 * MONGODB_URI costs no Docker probe.
 */
export async function chooseBackend(env: BackendEnv, probes: BackendProbes): Promise<BackendChoice> {
  const forced = env.TEST_MONGO?.trim() ?? '';
  const uri = env.MONGODB_URI?.trim() ?? '';

  if (forced !== '') {
    if (!isBackendName(forced)) {
      throw new BackendChoiceError(
        `TEST_MONGO=${JSON.stringify(forced)} is not one of ${BACKENDS.join(', ')}`,
      );
    }
    if (forced === 'uri' && uri === '') {
      throw new BackendChoiceError('TEST_MONGO=uri needs MONGODB_URI to name the server');
    }
    if (forced === 'embedded') {
      const binary = await probes.localMongodBinary();
      return binary === undefined
        ? { backend: 'embedded', forced: true, reason: 'TEST_MONGO=embedded (binary may be downloaded)' }
        : { backend: 'embedded', forced: true, reason: 'TEST_MONGO=embedded', mongodBinary: binary };
    }
    return { backend: forced, forced: true, reason: `TEST_MONGO=${forced}` };
  }

  if (uri !== '') {
    return { backend: 'uri', forced: false, reason: 'MONGODB_URI is set' };
  }
  if (await probes.dockerEngineAnswers()) {
    return { backend: 'container', forced: false, reason: 'a Docker engine answers' };
  }
  const binary = await probes.localMongodBinary();
  if (binary !== undefined) {
    return { backend: 'embedded', forced: false, reason: 'a mongod binary is on disk', mongodBinary: binary };
  }
  return { backend: 'emulator', forced: false, reason: 'no server, Docker engine or mongod binary' };
}

/** The URI with its password replaced by `***`, safe to print. */
export function redactUri(uri: string): string {
  return uri.replace(
    /^(mongodb(?:\+srv)?:\/\/)([^@/]*)@/,
    (_match, scheme: string, userInfo: string) => {
      const colon = userInfo.indexOf(':');
      return colon === -1 ? `${scheme}${userInfo}@` : `${scheme}${userInfo.slice(0, colon)}:***@`;
    },
  );
}
