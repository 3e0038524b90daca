// Pure logic of the image store: reference normalisation, pull policy,
// registry challenges and imagePullSecret credential matching, chain IDs.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseChallenges } from '../../src/images/auth.ts';
import { chainIDs, sha256Of } from '../../src/images/digest.ts';
import {
  credentialsFor,
  defaultPullPolicy,
  isImageError,
  normalizeReference,
  parseReference,
  shouldPull,
} from '../../src/images/index.ts';
import { isLoopbackRegistry } from '../../src/images/reference.ts';

const digest = `sha256:${'ab'.repeat(32)}`;

test('references normalise as kubelet and containerd do', () => {
  const cases: [string, string][] = [
    ['busybox', 'docker.io/library/busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36'],
    ['library/busybox', 'docker.io/library/busybox:latest'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest'],
    ['index.docker.io/library/busybox:1', 'docker.io/library/busybox:1'],
    ['bitnami/nginx', 'docker.io/bitnami/nginx:latest'],
    ['registry.k8s.io/pause:3.9', 'registry.k8s.io/pause:3.9'],
    ['localhost/app', 'localhost/app:latest'],
    ['localhost:5000/team/app:v2', 'localhost:5000/team/app:v2'],
    ['127.0.0.1:5000/app', '127.0.0.1:5000/app:latest'],
    [`busybox@${digest}`, `docker.io/library/busybox@${digest}`],
    [`busybox:1.36@${digest}`, `docker.io/library/busybox:1.36@${digest}`],
    ['ghcr.io/a/b/c-d_e.f:tag-1.0_x', 'ghcr.io/a/b/c-d_e.f:tag-1.0_x'],
  ];
  for (const [input, expected] of cases) assert.equal(normalizeReference(input), expected, input);
  assert.deepEqual(parseReference('localhost:5000/team/app:v2'), {
    domain: 'localhost:5000',
    path: 'team/app',
    tag: 'v2',
    digest: undefined,
  });
});

test('invalid references are refused with InvalidReference', () => {
  for (const bad of [
    '',
    'Busybox',
    'busybox:',
    'busybox:bad tag',
    'a//b',
    '-lead',
    `busybox@sha256:${'z'.repeat(64)}`,
    'busybox@md5:abc',
    ' busybox',
    'a/B/c',
  ]) {
    assert.throws(
      () => parseReference(bad),
      (err) => isImageError(err, 'InvalidReference'),
      JSON.stringify(bad),
    );
  }
});

test('loopback registries are the ones reached over http', () => {
  for (const host of ['localhost', 'localhost:5000', '127.0.0.1:5000', '127.1.2.3', '[::1]:5000'])
    assert.ok(isLoopbackRegistry(host), host);
  for (const host of ['docker.io', 'example.com:5000', '10.0.0.1:5000', 'localhost.example.com'])
    assert.ok(!isLoopbackRegistry(host), host);
});

test('pull policy: Always pulls, IfNotPresent pulls when missing, Never never does', () => {
  assert.equal(shouldPull('Always', true), true);
  assert.equal(shouldPull('Always', false), true);
  assert.equal(shouldPull('IfNotPresent', true), false);
  assert.equal(shouldPull('IfNotPresent', false), true);
  assert.equal(shouldPull('Never', false), false);
  assert.equal(shouldPull('Never', true), false);
  assert.equal(defaultPullPolicy('busybox'), 'Always');
  assert.equal(defaultPullPolicy('busybox:latest'), 'Always');
  assert.equal(defaultPullPolicy('busybox:1.36'), 'IfNotPresent');
  assert.equal(defaultPullPolicy('localhost:5000/busybox'), 'Always');
  assert.equal(defaultPullPolicy(`busybox@${digest}`), 'IfNotPresent');
});

test('WWW-Authenticate challenges are parsed', () => {
  assert.deepEqual(
    parseChallenges(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"',
    ),
    [
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:library/busybox:pull',
        },
      },
    ],
  );
  assert.deepEqual(parseChallenges('Basic realm="Registry Realm"'), [
    { scheme: 'basic', params: { realm: 'Registry Realm' } },
  ]);
  assert.deepEqual(parseChallenges('Basic realm="a\\"b", Bearer realm=x'), [
    { scheme: 'basic', params: { realm: 'a"b' } },
    { scheme: 'bearer', params: { realm: 'x' } },
  ]);
});

test('imagePullSecret credentials match by registry host and repository path, most specific first', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const configs = [
    {
      auths: {
        'https://index.docker.io/v1/': { auth: b64('hub:one') },
        'registry.example.com': { username: 'plain', password: 'two' },
        'https://registry.example.com/team': { auth: b64('team:th:ree') },
        'other.example.com': { auth: b64('x:y') },
      },
    },
  ];
  assert.deepEqual(credentialsFor(configs, 'docker.io', 'library/busybox'), [
    { username: 'hub', password: 'one' },
  ]);
  assert.deepEqual(credentialsFor(configs, 'registry.example.com', 'team/app'), [
    { username: 'team', password: 'th:ree' },
    { username: 'plain', password: 'two' },
  ]);
  assert.deepEqual(credentialsFor(configs, 'registry.example.com', 'teammate/app'), [
    { username: 'plain', password: 'two' },
  ]);
  assert.deepEqual(credentialsFor(configs, 'registry.example.com:5000', 'team/app'), []);
});

test('chain IDs follow the OCI image spec', () => {
  const a = sha256Of('a');
  const b = sha256Of('b');
  const c = sha256Of('c');
  const ab = sha256Of(`${a} ${b}`);
  assert.deepEqual(chainIDs([a, b, c]), [a, ab, sha256Of(`${ab} ${c}`)]);
  assert.deepEqual(chainIDs([]), []);
});
