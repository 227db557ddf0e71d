// The catalog: rules and their versions, API keys by hash, encrypted secrets, webhook signing secrets.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { RuleDocument } from '../../../src/engine/rule/schema.ts';
import { T0, backendTest, type OpenBackend } from './fixtures.ts';

function ruleDoc(id: string, message = 'hello'): RuleDocument {
  return { id, when: { event: 'signed_up' }, then: [{ log: { message } }] };
}

export function describeCatalog(open: OpenBackend): void {
  const test = backendTest(open);

  describe('RuleStore', () => {
    test('saves a new rule as version 1, enabled; the same document again changes nothing; a new one is a new version', async ({ rules }) => {
      const first = await rules.put(ruleDoc('welcome'), 'id: welcome', T0);
      assert.deepEqual([first.created, first.changed], [true, true]);
      assert.deepEqual([first.rule.version, first.rule.enabled, first.rule.deletedAt, first.rule.createdAt, first.rule.source], [1, true, null, T0, 'id: welcome']);
      const same = await rules.put(ruleDoc('welcome'), 'id: welcome', T0 + 1);
      assert.deepEqual([same.created, same.changed, same.rule.version], [false, false, 1]);
      const second = await rules.put(ruleDoc('welcome', 'hello again'), null, T0 + 2);
      assert.deepEqual([second.created, second.changed, second.rule.version], [false, true, 2]);
      assert.equal(second.rule.createdAt, T0, 'created once');
      assert.equal(second.rule.updatedAt, T0 + 2);
      assert.deepEqual((await rules.get('welcome'))?.document, ruleDoc('welcome', 'hello again'));
      assert.deepEqual((await rules.versions('welcome')).map((v) => [v.version, v.source]), [[2, null], [1, 'id: welcome']], 'newest first');
      assert.deepEqual((await rules.version('welcome', 1))?.document, ruleDoc('welcome'));
      assert.equal(await rules.version('welcome', 3), undefined);
      assert.equal(await rules.get('nope'), undefined);
    });

    test('keeps the enabled state when a save does not say, and switches it without a new version', async ({ rules }) => {
      assert.equal((await rules.put(ruleDoc('quiet'), null, T0, false)).rule.enabled, false);
      const edited = await rules.put(ruleDoc('quiet', 'edited'), null, T0 + 1);
      assert.deepEqual([edited.rule.version, edited.rule.enabled], [2, false], 'an edit keeps the rule disabled');
      const switched = await rules.put(ruleDoc('quiet', 'edited'), null, T0 + 2, true);
      assert.deepEqual([switched.changed, switched.rule.version, switched.rule.enabled], [true, 2, true]);
      assert.deepEqual((await rules.listEnabled()).map((r) => r.id), ['quiet']);
      const disabled = await rules.setEnabled('quiet', false, T0 + 3);
      assert.deepEqual([disabled?.enabled, disabled?.version], [false, 2]);
      assert.deepEqual(await rules.listEnabled(), []);
      assert.deepEqual((await rules.list()).map((r) => r.id), ['quiet'], 'a disabled rule is still listed');
      assert.equal(await rules.setEnabled('nope', true, T0), undefined);
    });

    test('deletes a rule but keeps its versions; saving it again goes on from them', async ({ rules }) => {
      await rules.put(ruleDoc('gone'), null, T0);
      await rules.put(ruleDoc('gone', 'v2'), null, T0 + 1);
      await rules.put(ruleDoc('kept'), null, T0);
      assert.equal(await rules.delete('gone', T0 + 2), true);
      assert.equal(await rules.delete('gone', T0 + 3), false);
      assert.equal(await rules.get('gone'), undefined);
      assert.deepEqual((await rules.list()).map((r) => r.id), ['kept']);
      assert.deepEqual((await rules.listEnabled()).map((r) => r.id), ['kept']);
      assert.equal(await rules.setEnabled('gone', true, T0 + 3), undefined);
      assert.deepEqual((await rules.versions('gone')).map((v) => v.version), [2, 1], 'history is kept');
      const back = await rules.put(ruleDoc('gone', 'v3'), null, T0 + 4);
      assert.deepEqual([back.created, back.rule.version, back.rule.enabled], [true, 3, true]);
    });

    test('changes the generation whenever the enabled rules may have changed', async ({ rules, connect }) => {
      const seen = [await rules.generation()];
      const changed = async () => {
        const g = await rules.generation();
        assert.ok(!seen.includes(g), `generation ${g} is new`);
        seen.push(g);
      };
      await rules.put(ruleDoc('g'), null, T0);
      await changed();
      await rules.put(ruleDoc('g', 'edited'), null, T0 + 1);
      await changed();
      await rules.setEnabled('g', false, T0 + 2);
      await changed();
      await rules.setEnabled('g', true, T0 + 3);
      await changed();
      await rules.delete('g', T0 + 4);
      await changed();
      const other = await connect();
      assert.equal(await other.rules.generation(), seen[seen.length - 1], 'another process sees the same generation');
    });
  });

  describe('KeyStore', () => {
    test('finds a key by the hash of its token until it is revoked', async ({ keys }) => {
      assert.equal(await keys.hasAdmin(), false);
      const write = await keys.create('ingest', 'write', 'hash-write', T0);
      assert.deepEqual([write.name, write.role, write.createdAt, write.revokedAt], ['ingest', 'write', T0, null]);
      assert.equal(await keys.hasAdmin(), false, 'a write key is not an admin');
      const admin = await keys.create('root', 'admin', 'hash-admin', T0 + 1);
      assert.equal(await keys.hasAdmin(), true);
      assert.equal((await keys.findByHash('hash-write'))?.id, write.id);
      assert.equal(await keys.findByHash('hash-other'), undefined);
      assert.notEqual(write.id, admin.id);
      assert.equal(await keys.revoke(write.id, T0 + 2), true);
      assert.equal(await keys.revoke(write.id, T0 + 3), false);
      assert.equal(await keys.findByHash('hash-write'), undefined, 'a revoked key no longer authenticates');
      assert.deepEqual((await keys.list()).map((k) => [k.id, k.revokedAt]), [[write.id, T0 + 2], [admin.id, null]]);
      await keys.revoke(admin.id, T0 + 4);
      assert.equal(await keys.hasAdmin(), false);
    });
  });

  describe('SecretStore', () => {
    test('gives values back for rendering but never lists them', async ({ secrets, connect }) => {
      await secrets.set('PUSH_TOKEN', 'tok-123-secret', T0);
      await secrets.set('OTHER', 'v', T0);
      assert.equal((await secrets.values()).PUSH_TOKEN, 'tok-123-secret');
      const listed = await secrets.list();
      assert.deepEqual(listed.map((s) => s.name), ['OTHER', 'PUSH_TOKEN']);
      assert.ok(!JSON.stringify(listed).includes('tok-123-secret'), 'the list holds no value');
      const dispatcher = await connect();
      assert.equal((await dispatcher.secrets.values()).PUSH_TOKEN, 'tok-123-secret', 'another process reads the value');
      await secrets.set('PUSH_TOKEN', 'tok-456', T0 + 10);
      assert.equal((await dispatcher.secrets.values()).PUSH_TOKEN, 'tok-456', 'and sees a change at once');
      const updated = (await secrets.list()).find((s) => s.name === 'PUSH_TOKEN')!;
      assert.deepEqual([updated.createdAt, updated.updatedAt], [T0, T0 + 10]);
      assert.equal(await secrets.delete('PUSH_TOKEN'), true);
      assert.equal(await secrets.delete('PUSH_TOKEN'), false);
      assert.equal((await dispatcher.secrets.values()).PUSH_TOKEN, undefined);
    });
  });

  describe('SigningSecretStore', () => {
    test('keeps the replaced secret signing beside the new one until the overlap ends', async ({ signing, connect }) => {
      const s1 = await signing.rotate('default', 'whsec_one', T0, 1000);
      assert.deepEqual([s1.scope, s1.secret, s1.createdAt, s1.expiresAt], ['default', 'whsec_one', T0, null]);
      assert.deepEqual((await signing.active(T0)).map((s) => s.secret), ['whsec_one']);
      const s2 = await signing.rotate('default', 'whsec_two', T0 + 100, 1000);
      assert.notEqual(s2.id, s1.id);
      const during = await signing.active(T0 + 500);
      assert.deepEqual(during.map((s) => s.secret), ['whsec_two', 'whsec_one'], 'both sign, newest first');
      assert.equal(during[1].expiresAt, T0 + 1100);
      const dispatcher = await connect();
      assert.deepEqual((await dispatcher.signing.active(T0 + 500)).map((s) => s.secret), ['whsec_two', 'whsec_one'], 'another process signs with both');
      assert.deepEqual((await signing.active(T0 + 2000)).map((s) => s.secret), ['whsec_two'], 'the old one stops after the overlap');
      await signing.rotate('default', 'whsec_three', T0 + 200, 1000);
      assert.deepEqual((await signing.active(T0 + 1150)).map((s) => s.secret), ['whsec_three', 'whsec_two'], 'a second rotation does not extend the first overlap');
    });

    test("keeps each scope's secrets apart, and removes a scope's own", async ({ signing }) => {
      await signing.rotate('default', 'whsec_default', T0, 1000);
      await signing.rotate('rule:welcome', 'whsec_rule', T0, 1000);
      await signing.rotate('rule:welcome', 'whsec_rule_2', T0 + 1, 1000);
      assert.deepEqual((await signing.active(T0 + 10)).filter((s) => s.scope === 'default').map((s) => s.secret), ['whsec_default'], 'rotating a rule leaves the default alone');
      assert.equal(await signing.remove('rule:welcome'), 2);
      assert.deepEqual((await signing.active(T0 + 10)).map((s) => [s.scope, s.secret]), [['default', 'whsec_default']]);
      assert.equal(await signing.remove('rule:none'), 0);
    });
  });
}
