// The user a container runs as: image User strings and runAsUser/runAsGroup,
// names resolved in the container's own /etc/passwd and /etc/group (never
// the host's), supplementary groups, and the runAsNonRoot check.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { ContainerConfigError } from '../../src/agent/container-config-error.ts';
import { effectiveSecurity, verifyRunAsNonRoot } from '../../src/agent/container-security.ts';
import { imageUserIdentity, readInRoot, resolveProcessUser } from '../../src/agent/image-user.ts';

const passwd = [
  'root:x:0:0:root:/root:/bin/sh',
  'app:x:1000:1000::/home/app:/bin/sh',
  'web:x:33:33::/var/www:/bin/false',
  '# a comment',
  'nobody:x:65534:65534::/:/bin/false',
].join('\n');
const group = [
  'root:x:0:',
  'app:x:1000:',
  'web:x:33:',
  'audio:x:29:app,web',
  'video:x:44:app',
  'staff:x:50:',
].join('\n');

describe('resolveProcessUser', () => {
  let rootfs: string;
  let bare: string;
  before(async () => {
    rootfs = await mkdtemp(join(tmpdir(), 'orca-user-'));
    await mkdir(join(rootfs, 'etc'));
    await writeFile(join(rootfs, 'etc/passwd'), passwd);
    await writeFile(join(rootfs, 'etc/group'), group);
    bare = await mkdtemp(join(tmpdir(), 'orca-user-bare-'));
  });
  after(async () => {
    await rm(rootfs, { recursive: true, force: true });
    await rm(bare, { recursive: true, force: true });
  });

  const cases: [
    string,
    Parameters<typeof resolveProcessUser>[0] extends infer R ? Omit<R, 'rootfs'> : never,
    object,
  ][] = [
    ['no user at all is root', {}, { uid: 0, gid: 0, additionalGids: [0] }],
    ['a name', { imageUser: 'app' }, { uid: 1000, gid: 1000, additionalGids: [1000, 29, 44] }],
    ['a uid in passwd', { imageUser: '33' }, { uid: 33, gid: 33, additionalGids: [33, 29] }],
    ['a uid not in passwd', { imageUser: '4242' }, { uid: 4242, gid: 0, additionalGids: [0] }],
    ['uid:gid', { imageUser: '1000:50' }, { uid: 1000, gid: 50, additionalGids: [50, 29, 44] }],
    ['name:group', { imageUser: 'web:staff' }, { uid: 33, gid: 50, additionalGids: [50, 29] }],
    [
      'runAsUser over the image',
      { imageUser: 'app', runAsUser: 33 },
      { uid: 33, gid: 33, additionalGids: [33, 29] },
    ],
    [
      'runAsUser drops the image group',
      { imageUser: '1000:50', runAsUser: 1000 },
      { uid: 1000, gid: 1000, additionalGids: [1000, 29, 44] },
    ],
    [
      'runAsGroup over everything',
      { imageUser: '1000:50', runAsGroup: 7 },
      { uid: 1000, gid: 7, additionalGids: [7, 29, 44] },
    ],
    [
      'supplementalGroups and fsGroup are added',
      { runAsUser: 5000, runAsGroup: 5000, supplementalGroups: [9, 10], fsGroup: 2000 },
      { uid: 5000, gid: 5000, additionalGids: [5000, 9, 10, 2000] },
    ],
  ];
  for (const [name, req, want] of cases) {
    it(name, async () => {
      assert.deepEqual(await resolveProcessUser({ rootfs, ...req }), want);
    });
  }

  it('fails for names the image does not know', async () => {
    await assert.rejects(
      resolveProcessUser({ rootfs, imageUser: 'ghost' }),
      (e: unknown) =>
        e instanceof ContainerConfigError &&
        e.reason === 'CreateContainerError' &&
        e.message === 'unable to find user ghost: no matching entries in passwd file',
    );
    await assert.rejects(resolveProcessUser({ rootfs, imageUser: 'app:ghosts' }), {
      message: 'unable to find group ghosts: no matching entries in group file',
    });
  });

  it('works on an image without /etc/passwd for numeric users', async () => {
    assert.deepEqual(await resolveProcessUser({ rootfs: bare, imageUser: '1000:1000' }), {
      uid: 1000,
      gid: 1000,
      additionalGids: [1000],
    });
  });

  it('resolves symlinks inside the root filesystem, never on the host', async () => {
    const linked = await mkdtemp(join(tmpdir(), 'orca-user-link-'));
    try {
      await mkdir(join(linked, 'etc'));
      await mkdir(join(linked, 'real'));
      await writeFile(join(linked, 'real/passwd'), 'svc:x:700:700::/:/bin/sh\n');
      await symlink('/real/passwd', join(linked, 'etc/passwd'));
      // An absolute link to the host's /etc/group must read the image's (missing) file instead.
      await symlink('/etc/group', join(linked, 'etc/group'));
      assert.deepEqual(await resolveProcessUser({ rootfs: linked, imageUser: 'svc' }), {
        uid: 700,
        gid: 700,
        additionalGids: [700],
      });
      await symlink('../../../../../../etc/hostname', join(linked, 'escape'));
      assert.equal(await readInRoot(linked, '/escape'), undefined);
    } finally {
      await rm(linked, { recursive: true, force: true });
    }
  });
});

describe('imageUserIdentity', () => {
  it('reads the user part as upstream does', () => {
    assert.deepEqual(imageUserIdentity(undefined), { kind: 'uid', uid: 0 });
    assert.deepEqual(imageUserIdentity(''), { kind: 'uid', uid: 0 });
    assert.deepEqual(imageUserIdentity('1000:1000'), { kind: 'uid', uid: 1000 });
    assert.deepEqual(imageUserIdentity('nginx'), { kind: 'name', name: 'nginx' });
    assert.deepEqual(imageUserIdentity('nginx:web'), { kind: 'name', name: 'nginx' });
  });
});

describe('runAsNonRoot', () => {
  const pod = (podSc: object = {}): V1Pod => ({
    metadata: { name: 'web', namespace: 'shop', uid: 'u-1' },
    spec: { securityContext: podSc, containers: [] },
  });
  const check = (p: V1Pod, c: V1Container, imageUser?: string) =>
    verifyRunAsNonRoot(p, c, effectiveSecurity(p, c), imageUserIdentity(imageUser));

  it('passes for a non-zero user from the spec or the image', () => {
    check(pod({ runAsNonRoot: true }), { name: 'c' }, '1000');
    check(pod({ runAsNonRoot: true, runAsUser: 1000 }), { name: 'c' }, 'root');
    check(pod(), { name: 'c', securityContext: { runAsNonRoot: true, runAsUser: 5 } });
    check(pod(), { name: 'c' });
  });

  it('refuses an image that runs as root', () => {
    assert.throws(() => check(pod({ runAsNonRoot: true }), { name: 'c' }, ''), {
      message: 'container has runAsNonRoot and image will run as root (pod: "web_shop(u-1)", container: c)',
    });
    assert.throws(() => check(pod({ runAsNonRoot: true }), { name: 'c' }, '0:0'), {
      message: 'container has runAsNonRoot and image will run as root (pod: "web_shop(u-1)", container: c)',
    });
  });

  it('refuses a user name it cannot verify', () => {
    assert.throws(() => check(pod(), { name: 'c', securityContext: { runAsNonRoot: true } }, 'nginx'), {
      message:
        'container has runAsNonRoot and image has non-numeric user (nginx), cannot verify user is non-root (pod: "web_shop(u-1)", container: c)',
    });
  });

  it('refuses runAsUser 0, the container setting winning over the pod', () => {
    assert.throws(
      () =>
        check(pod({ runAsUser: 1000 }), { name: 'c', securityContext: { runAsNonRoot: true, runAsUser: 0 } }),
      { message: `container's runAsUser breaks non-root policy (pod: "web_shop(u-1)", container: c)` },
    );
    // The container may switch the check off.
    check(pod({ runAsNonRoot: true }), { name: 'c', securityContext: { runAsNonRoot: false } }, '0');
  });
});
