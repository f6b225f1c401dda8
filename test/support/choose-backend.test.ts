import { describe, expect, it } from 'vitest';
import { BackendChoiceError, chooseBackend, redactUri, type BackendProbes } from './choose-backend.ts';

/** Probes with fixed answers that count how often they were asked. */
function probes(docker: boolean, binary: string | undefined) {
  const calls = { docker: 0, binary: 0 };
  const fake: BackendProbes = {
    dockerEngineAnswers: async () => {
      calls.docker += 1;
      return docker;
    },
    localMongodBinary: async () => {
      calls.binary += 1;
      return binary;
    },
  };
  return { fake, calls };
}

describe('chooseBackend', () => {
  it('uses MONGODB_URI first and probes nothing', async () => {
    const { fake, calls } = probes(true, '/bin/mongod');
    const choice = await chooseBackend({ MONGODB_URI: 'mongodb://db:27017/?replicaSet=rs0' }, fake);
    expect(choice).toMatchObject({ backend: 'uri', forced: false });
    expect(calls).toEqual({ docker: 0, binary: 0 });
  });

  it('takes a container when a Docker engine answers, without looking for a binary', async () => {
    const { fake, calls } = probes(true, '/bin/mongod');
    expect(await chooseBackend({}, fake)).toMatchObject({ backend: 'container', forced: false });
    expect(calls).toEqual({ docker: 1, binary: 0 });
  });

  it('takes an embedded mongod when there is no engine but a binary on disk', async () => {
    const { fake } = probes(false, '/opt/mongod');
    expect(await chooseBackend({}, fake)).toMatchObject({ backend: 'embedded', mongodBinary: '/opt/mongod' });
  });

  it('falls back to the emulator when nothing else is there', async () => {
    const { fake, calls } = probes(false, undefined);
    expect(await chooseBackend({}, fake)).toMatchObject({ backend: 'emulator', forced: false });
    expect(calls).toEqual({ docker: 1, binary: 1 });
  });

  it('treats blank variables as unset', async () => {
    const { fake } = probes(false, undefined);
    expect(await chooseBackend({ MONGODB_URI: '  ', TEST_MONGO: '' }, fake)).toMatchObject({ backend: 'emulator' });
  });

  it.each(['container', 'emulator'] as const)('TEST_MONGO=%s forces it whatever the probes say', async (name) => {
    const { fake, calls } = probes(name !== 'container', '/bin/mongod');
    const choice = await chooseBackend({ TEST_MONGO: name, MONGODB_URI: 'mongodb://db/' }, fake);
    expect(choice).toMatchObject({ backend: name, forced: true });
    expect(calls.docker).toBe(0);
  });

  it('TEST_MONGO=embedded uses a binary on disk when there is one', async () => {
    const { fake } = probes(true, '/bin/mongod');
    expect(await chooseBackend({ TEST_MONGO: 'embedded' }, fake)).toEqual(
      expect.objectContaining({ backend: 'embedded', forced: true, mongodBinary: '/bin/mongod' }),
    );
  });

  it('TEST_MONGO=embedded without a binary leaves the download to the package', async () => {
    const { fake } = probes(true, undefined);
    const choice = await chooseBackend({ TEST_MONGO: 'embedded' }, fake);
    expect(choice.backend).toBe('embedded');
    expect(choice).not.toHaveProperty('mongodBinary');
  });

  it('TEST_MONGO=uri uses MONGODB_URI and refuses to run without it', async () => {
    const { fake } = probes(false, undefined);
    expect(await chooseBackend({ TEST_MONGO: 'uri', MONGODB_URI: 'mongodb://db/' }, fake)).toMatchObject({
      backend: 'uri',
      forced: true,
    });
    await expect(chooseBackend({ TEST_MONGO: 'uri' }, fake)).rejects.toThrow(BackendChoiceError);
  });

  it('rejects an unknown TEST_MONGO instead of guessing', async () => {
    const { fake } = probes(true, '/bin/mongod');
    await expect(chooseBackend({ TEST_MONGO: 'docker' }, fake)).rejects.toThrow(/TEST_MONGO="docker"/);
  });
});

describe('redactUri', () => {
  it('hides the password and keeps the user, hosts and options', () => {
    expect(redactUri('mongodb://app:s3cr%40t@db1:27017,db2:27017/users?replicaSet=rs0')).toBe(
      'mongodb://app:***@db1:27017,db2:27017/users?replicaSet=rs0',
    );
    expect(redactUri('mongodb+srv://app:pw@cluster.example.net/')).toBe('mongodb+srv://app:***@cluster.example.net/');
  });

  it('leaves a URI without credentials alone', () => {
    expect(redactUri('mongodb://127.0.0.1:4000/?replicaSet=rs0')).toBe('mongodb://127.0.0.1:4000/?replicaSet=rs0');
    expect(redactUri('mongodb://app@db/')).toBe('mongodb://app@db/');
  });
});
