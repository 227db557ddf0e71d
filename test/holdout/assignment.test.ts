// Assignment (STATS.md formula 7, vectors V9): GrowthBook's hash, stable groups across versions, the share held out.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assignmentHash, assignGroup, fnv1a32, inHoldout } from '../../src/engine/holdout/assignment.ts';
import { rule } from '../engine/helpers.ts';

describe('holdout assignment', () => {
  it('gives the GrowthBook SDK vectors (STATS.md V9), both versions', () => {
    assert.equal(assignmentHash('', 'a', 1), 0.22);
    assert.equal(assignmentHash('', 'b', 1), 0.077);
    assert.equal(assignmentHash('b', 'a', 1), 0.946);
    assert.equal(assignmentHash('seed', 'a', 2), 0.0505);
    assert.equal(assignmentHash('seed', 'b', 2), 0.2696);
    assert.equal(assignmentHash('foo', 'ab', 2), 0.2575);
    assert.equal(assignmentHash('seed', 'a'), 0.0505, 'version 2 is the default');
    assert.equal(fnv1a32(''), 0x811c9dc5);
  });

  it('keeps every subject in its group across rule versions with the same salt', () => {
    const base = { id: 'r1', when: { event: 'a' }, then: [{ log: { message: 'x' } }], holdout: { percent: 30, salt: 's1' } };
    const v1 = rule(base, 1);
    const v2 = rule({ ...base, when: { event: ['a', 'b'], where: 'event.properties.x > 1' }, then: [{ log: { message: 'y' } }], holdout: { percent: 30, salt: 's1' } }, 2);
    const noSalt1 = rule({ ...base, holdout: { percent: 30 } }, 3);
    const noSalt2 = rule({ ...base, name: 'renamed', holdout: { percent: 30 } }, 4);
    let moved = 0;
    for (let i = 0; i < 5000; i++) {
      const id = `user-${i * 7919}`;
      assert.equal(assignGroup(v1.experiment!, id, undefined).group, assignGroup(v2.experiment!, id, undefined).group, id);
      assert.equal(assignGroup(noSalt1.experiment!, id, undefined).group, assignGroup(noSalt2.experiment!, id, undefined).group, id);
      if (inHoldout('s1', id, 30) !== inHoldout('s2', id, 30)) moved++;
    }
    // A new salt re-randomises: about 2 · 0.3 · 0.7 = 42 % of subjects change group.
    assert.ok(moved > 5000 * 0.36 && moved < 5000 * 0.48, `moved ${moved}`);
  });

  it('holds out about p % of subjects (20,000 seeded ids, 4.5 standard errors)', () => {
    let state = 12345;
    const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
    for (const percent of [1, 10, 50]) {
      const n = 20_000;
      let held = 0;
      for (let i = 0; i < n; i++) if (inHoldout('cart-reminder', `u${next().toString(36)}${i}`, percent)) held++;
      const p = percent / 100;
      const se = Math.sqrt((p * (1 - p)) / n);
      assert.ok(Math.abs(held / n - p) < 4.5 * se, `${percent} %: ${held} of ${n}`);
    }
  });

  it('puts the global control group in the holdout of the rules that opt in only', () => {
    const optIn = rule({ id: 'r1', when: { event: 'a' }, then: [{ log: { message: 'x' } }], holdout: { percent: 0.01, global_control: true } }).experiment!;
    const optOut = rule({ id: 'r1', when: { event: 'a' }, then: [{ log: { message: 'x' } }], holdout: { percent: 0.01 } }).experiment!;
    const control = { percent: 20, salt: 'global' };
    let inControl = 0;
    for (let i = 0; i < 2000; i++) {
      const id = `s${i}`;
      const global = inHoldout('global', id, 20);
      if (global) inControl++;
      const a = assignGroup(optIn, id, control);
      if (global) assert.deepEqual(a, { group: 'holdout', globalControl: true });
      else assert.equal(a.globalControl, false);
      assert.equal(assignGroup(optOut, id, control).globalControl, false);
      if (!inHoldout('r1', id, 0.01)) assert.equal(assignGroup(optOut, id, control).group, 'treatment');
    }
    assert.ok(inControl > 300 && inControl < 500, `${inControl}`);
  });
});
