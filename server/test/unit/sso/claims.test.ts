import assert from 'node:assert/strict';
import { it } from 'node:test';
import { roleFromClaims } from '../../../src/sso/claims.ts';

/** `sso.roleClaim` (docs/security.md, "Single sign-on"): the role the provider's claim names. */
it('a string claim names the role, in any case; an unknown value or a missing claim names none', () => {
  assert.equal(roleFromClaims({ role: 'Supervisor' }, 'role'), 'supervisor');
  assert.equal(roleFromClaims({ role: ' admin ' }, 'role'), 'admin');
  assert.equal(roleFromClaims({ role: 'agent' }, 'role'), 'agent');
  assert.equal(roleFromClaims({ role: 'owner' }, 'role'), undefined);
  assert.equal(roleFromClaims({}, 'role'), undefined);
  assert.equal(roleFromClaims({ role: 'admin' }, undefined), undefined, 'no roleClaim set: no role');
});

it('a groups-style array gives the highest role it names; other values are ignored', () => {
  assert.equal(roleFromClaims({ groups: ['staff', 'agent', 'supervisor'] }, 'groups'), 'supervisor');
  assert.equal(roleFromClaims({ groups: ['agent', 'ADMIN'] }, 'groups'), 'admin');
  assert.equal(roleFromClaims({ groups: ['staff', 42, null] }, 'groups'), undefined);
  assert.equal(roleFromClaims({ groups: 7 }, 'groups'), undefined);
});
