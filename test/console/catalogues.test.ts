// The console's message catalogues: Korean and English have the same keys, and every message is valid ICU
// MessageFormat whose placeholders are the same in both languages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { en } from '../../console/src/i18n/en.ts';
import { ko } from '../../console/src/i18n/ko.ts';

function argumentsOf(elements: MessageFormatElement[], into = new Set<string>()): Set<string> {
  for (const e of elements) {
    if (e.type === TYPE.argument || e.type === TYPE.number || e.type === TYPE.date || e.type === TYPE.time) into.add(e.value);
    if (e.type === TYPE.plural || e.type === TYPE.select) {
      into.add(e.value);
      for (const option of Object.values(e.options)) argumentsOf(option.value, into);
    }
    if (e.type === TYPE.tag) argumentsOf(e.children, into);
  }
  return into;
}

test('ko and en have the same keys', () => {
  assert.deepEqual(Object.keys(ko).sort(), Object.keys(en).sort());
});

test('every message parses and names the same placeholders in both languages', () => {
  for (const key of Object.keys(en) as Array<keyof typeof en>) {
    const parsed = (language: string, message: string) => {
      try { return parse(message); } catch (error) { throw new Error(`${language} ${key}: ${(error as Error).message} in ${JSON.stringify(message)}`); }
    };
    const english = argumentsOf(parsed('en', en[key]));
    const korean = argumentsOf(parsed('ko', ko[key]));
    assert.deepEqual([...korean].sort(), [...english].sort(), `${key}: placeholders differ`);
    assert.ok(ko[key].trim().length > 0, `${key}: empty Korean message`);
  }
});
