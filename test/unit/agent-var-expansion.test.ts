// $(VAR) expansion in env values, command and args, and how command/args
// combine with the image's Entrypoint and Cmd.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { processArgs } from '../../src/agent/container-config.ts';
import { ContainerConfigError } from '../../src/agent/container-config-error.ts';
import { expand, mappingFor } from '../../src/agent/var-expansion.ts';
import { expandSubPath } from '../../src/agent/volumes/index.ts';

const vars = new Map([
  ['VAR_A', 'A'],
  ['VAR_B', 'B'],
  ['EMPTY', ''],
]);
const mapping = mappingFor(vars);

describe('expand', () => {
  const cases: [string, string][] = [
    ['$(VAR_A)', 'A'],
    ['___$(VAR_B)___', '___B___'],
    ['$(VAR_A)-$(VAR_A)', 'A-A'],
    ['$(VAR_A)$(VAR_B)', 'AB'],
    ['$(EMPTY)x', 'x'],
    ['$$(VAR_B)_$(VAR_A)', '$(VAR_B)_A'],
    ['$$$(VAR_A)', '$A'],
    ['$$$$$$(BIG_MONEY)', '$$$(BIG_MONEY)'],
    ['$(UNKNOWN)', '$(UNKNOWN)'],
    ['x$(UNKNOWN)y$(VAR_A)', 'x$(UNKNOWN)yA'],
    ['$(VAR_A', '$(VAR_A'],
    ['$(VAR_A$(VAR_B)', '$(VAR_A$(VAR_B)'],
    ['$()', '$()'],
    ['$$', '$'],
    ['$', '$'],
    ['$(VAR_A)$', 'A$'],
    ['$VAR_A', '$VAR_A'],
    ['f000-$$VAR_A', 'f000-$VAR_A'],
    ['(VAR_A)', '(VAR_A)'],
    ['$(VAR_A))', 'A)'],
    ['no references', 'no references'],
    ['', ''],
  ];
  for (const [input, want] of cases) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(want)}`, () => {
      assert.equal(expand(input, mapping), want);
    });
  }

  it('looks names up in each context in turn', () => {
    const m = mappingFor(
      new Map([['X', 'first']]),
      new Map([
        ['X', 'second'],
        ['Y', 'y'],
      ]),
    );
    assert.equal(expand('$(X) $(Y) $(Z)', m), 'first y $(Z)');
  });
});

describe('processArgs', () => {
  const image = { Entrypoint: ['/entry'], Cmd: ['default', 'cmd'] };
  const env = new Map([['WHO', 'world']]);

  it('runs Entrypoint + Cmd when the container gives neither', () => {
    assert.deepEqual(processArgs({ name: 'c' }, image, env), ['/entry', 'default', 'cmd']);
  });

  it('replaces Cmd with args, keeping the Entrypoint', () => {
    assert.deepEqual(processArgs({ name: 'c', args: ['hi', '$(WHO)'] }, image, env), [
      '/entry',
      'hi',
      'world',
    ]);
  });

  it('replaces both with command (and ignores Cmd even without args)', () => {
    assert.deepEqual(processArgs({ name: 'c', command: ['/bin/sh'] }, image, env), ['/bin/sh']);
    assert.deepEqual(
      processArgs({ name: 'c', command: ['/bin/echo', '$(WHO)'], args: ['$$(WHO)'] }, image, env),
      ['/bin/echo', 'world', '$(WHO)'],
    );
  });

  it('does not expand the image’s own Entrypoint and Cmd', () => {
    assert.deepEqual(processArgs({ name: 'c' }, { Cmd: ['echo', '$(WHO)'] }, env), ['echo', '$(WHO)']);
  });

  it('treats an Entrypoint of [""] as none', () => {
    assert.deepEqual(processArgs({ name: 'c' }, { Entrypoint: [''], Cmd: ['sh'] }, env), ['sh']);
  });

  it('refuses a container with nothing to run', () => {
    assert.throws(
      () => processArgs({ name: 'c' }, {}, env),
      (e: unknown) =>
        e instanceof ContainerConfigError &&
        e.reason === 'CreateContainerError' &&
        e.message === 'no command specified',
    );
  });
});

describe('expandSubPath', () => {
  it('expands references to variables with values', () => {
    assert.equal(expandSubPath('logs/$(POD)', new Map([['POD', 'web-0']])), 'logs/web-0');
  });

  it('names every variable missing or empty', () => {
    assert.throws(() => expandSubPath('$(B)/$(A)/$(E)', new Map([['E', '']])), {
      message: 'missing value for A, B, E',
    });
  });
});
