/**
 * A quick answer to "does a Docker engine run here?", without testcontainers'
 * own discovery, which can wait a long time on a socket that never answers.
 * Asks `GET /_ping` of the engines testcontainers would find (DOCKER_HOST, the
 * usual sockets) and gives up after a short timeout.
 */
import { request } from 'node:http';
import { access } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

type Endpoint = { readonly socketPath: string } | { readonly host: string; readonly port: number };

function endpointsFrom(env: NodeJS.ProcessEnv): Endpoint[] {
  const dockerHost = env['DOCKER_HOST']?.trim() ?? '';
  if (dockerHost.startsWith('unix://')) {
    return [{ socketPath: dockerHost.slice('unix://'.length) }];
  }
  if (dockerHost.startsWith('tcp://')) {
    const url = new URL(`http://${dockerHost.slice('tcp://'.length)}`);
    return [{ host: url.hostname, port: Number(url.port || 2375) }];
  }
  const sockets = ['/var/run/docker.sock', join(homedir(), '.docker', 'run', 'docker.sock'), join(homedir(), '.docker', 'desktop', 'docker.sock')];
  const runtimeDir = env['XDG_RUNTIME_DIR'];
  if (runtimeDir !== undefined && runtimeDir !== '') {
    sockets.push(join(runtimeDir, 'docker.sock'), join(runtimeDir, 'podman', 'podman.sock'));
  }
  return sockets.map((socketPath) => ({ socketPath }));
}

function ping(endpoint: Endpoint, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ ...endpoint, method: 'GET', path: '/_ping', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

async function reachable(endpoint: Endpoint, timeoutMs: number): Promise<boolean> {
  if ('socketPath' in endpoint) {
    try {
      await access(endpoint.socketPath);
    } catch {
      return false;
    }
  }
  return ping(endpoint, timeoutMs);
}

/**
 * Whether a Docker engine answers within `timeoutMs` (default 1.5 s).
 * A TLS-protected DOCKER_HOST (DOCKER_TLS_VERIFY) is not pinged; it counts as
 * answering, so the container backend is tried and reports its own error.
 */
export async function dockerEngineAnswers(env: NodeJS.ProcessEnv = process.env, timeoutMs = 1_500): Promise<boolean> {
  if ((env['DOCKER_TLS_VERIFY'] ?? '') !== '' && (env['DOCKER_HOST'] ?? '').startsWith('tcp://')) {
    return true;
  }
  const answers = await Promise.all(endpointsFrom(env).map((endpoint) => reachable(endpoint, timeoutMs)));
  return answers.includes(true);
}
