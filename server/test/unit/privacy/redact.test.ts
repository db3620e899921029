import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ERASED,
  ERASED_NAME,
  needlesOf,
  type Redaction,
  redactJson,
  redactText,
} from '../../../src/privacy/redact.ts';

const user = 'U1';
const redaction: Redaction = {
  userId: user,
  senders: new Set([user]),
  needles: needlesOf({
    name: 'Ann Lee',
    contact: 'ann@lee.example',
    externalId: null,
    extraInfo: { plan: 'gold', nested: { phone: '555-0100' }, n: 12345, short: 'ab' },
  }),
};

describe('redaction (privacy/redact.ts)', () => {
  it('searches for the profile’s texts, longest first, skipping short ones and the default name', () => {
    assert.deepEqual(redaction.needles, ['ann@lee.example', '555-0100', 'Ann Lee', '12345', 'gold']);
    assert.deepEqual(needlesOf({ name: 'Guest', contact: null, externalId: null, extraInfo: {} }), []);
  });

  it('replaces every occurrence inside a text, and nothing else', () => {
    assert.equal(
      redactText('Hi Ann Lee (ann@lee.example), plan gold', redaction.needles),
      `Hi ${ERASED} (${ERASED}), plan ${ERASED}`,
    );
    assert.equal(redactText('nothing here', redaction.needles), 'nothing here');
  });

  it('erases the user’s messages and user object in any JSON, keeps others’ and stays valid JSON', () => {
    const event = {
      message: { id: 'M1', chat: 'C1', sender: user, type: 'text', message: 'my secret', seq: 1, created: 5 },
      other: {
        id: 'M2',
        chat: 'C1',
        sender: 'A1',
        type: 'text',
        message: 'Hello Ann Lee',
        seq: 2,
        created: 6,
      },
      file: {
        id: 'M3',
        sender: user,
        type: 'media',
        seq: 3,
        message: { id: 'F1', url: '/media/F1', type: 'text/plain', name: 'passport.txt', size: 3 },
      },
      users: [
        { id: user, name: 'Ann Lee', contact: 'ann@lee.example', externalId: 'x', extraInfo: { a: 1 } },
      ],
      chat: { id: 'C1', creator: user, history: [{ sender: 'assistant', message: 'bot line', created: 1 }] },
    };
    const out = JSON.parse(redactJson(JSON.stringify(event), redaction));
    assert.equal(out.message.message, ERASED);
    assert.equal(out.message.id, 'M1');
    assert.equal(out.other.message, `Hello ${ERASED}`);
    assert.deepEqual(out.file.message, {
      id: 'F1',
      url: '/media/F1',
      type: 'text/plain',
      name: ERASED,
      size: 3,
    });
    assert.deepEqual(out.users[0], { id: user, name: ERASED_NAME, extraInfo: {} });
    assert.equal(out.chat.history[0].message, ERASED);
  });

  it('returns the very same text when nothing is to be redacted', () => {
    const text = '{ "a": 1,  "b": "kept" }';
    assert.equal(redactJson(text, redaction), text);
  });

  it('retention erases every sender’s text', () => {
    const all: Redaction = { userId: undefined, senders: 'all', needles: [] };
    const message = { id: 'M', sender: 'A1', message: 'agent text', seq: 1 };
    assert.equal(JSON.parse(redactJson(JSON.stringify([message]), all))[0].message, ERASED);
  });
});
