/// <reference types="node" />
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CreateUserBody } from '@airlock/contract/users';
import { ApiError } from '../api/client';
import { splitError, zodFieldErrors } from './form-errors';

const FIELDS = ['username', 'password'] as const;

void describe('splitError', () => {
  void it('puts server issues on their fields and needs no alert when all are placed', () => {
    const err = new ApiError(400, 'validation_failed', 'bad', [
      { path: 'body.password', message: 'must be at least 12 characters' },
    ]);
    assert.deepEqual(splitError(err, FIELDS), {
      fields: { password: 'Must be at least 12 characters' },
      alert: null,
    });
  });

  void it('keeps an alert for issues that have no field on the form', () => {
    const err = new ApiError(400, 'validation_failed', 'bad', [{ path: 'body.role', message: 'invalid' }]);
    assert.equal(splitError(err, FIELDS).alert, err);
  });

  void it('shows any other error as an alert', () => {
    const err = new ApiError(409, 'conflict', 'taken');
    assert.deepEqual(splitError(err, FIELDS), { fields: {}, alert: err });
    assert.deepEqual(splitError(null, FIELDS), { fields: {}, alert: null });
  });
});

void describe('zodFieldErrors', () => {
  void it('uses the contract schema messages', () => {
    const r = CreateUserBody.safeParse({ username: 'Bad Name', password: 'short', role: 'viewer' });
    assert.equal(r.success, false);
    if (r.success) return;
    const f = zodFieldErrors(r.error, FIELDS);
    assert.match(f.username ?? '', /^Use lowercase/);
    assert.equal(f.password, 'Must be at least 12 characters');
  });
});
