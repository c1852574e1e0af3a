import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError, serializeError } from '../../src/core/errors';

test('InputError names the file, line and column', () => {
  const e = new InputError({ file: 'data.csv', line: 12, column: 3 }, 'not a number: "abc"');
  assert.equal(e.message, 'data.csv:12:3: not a number: "abc"');
  assert.deepEqual(serializeError(e), { code: 'E_INPUT', message: e.message, file: 'data.csv', line: 12, column: 3 });
});
