import assert from 'node:assert/strict';
import { BlockList, isIPv4 } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { addressRules } from '../src/webhooks/address.ts';
import { SPECIAL_IPV4, SPECIAL_IPV6, type SpecialRange } from '../src/webhooks/special-ranges.ts';
import { assertError, createTestApp, type TestApp } from './helpers/fixtures.ts';
import { describeEachStore, startServer, type TestServer } from './helpers/harness.ts';
import { type Receiver, startReceiver } from './helpers/receiver.ts';

/**
 * The webhook address rules as a table (issue 11): every IANA special-purpose range is refused, at
 * its first and its last addresses, in every IPv6 form that carries an IPv4 address; names that mean
 * loopback, metadata or private networks are refused before DNS; the allowlist still opens ranges.
 */

function toBig(address: string): bigint {
  if (isIPv4(address)) return address.split('.').reduce((n, part) => (n << 8n) | BigInt(part), 0n);
  const [head = '', tail = ''] = address.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.reduce((n: bigint, g: string) => (n << 16n) | BigInt(`0x${g}`), 0n);
}

function fromBig(value: bigint, v4: boolean): string {
  if (v4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join('.');
  return Array.from({ length: 8 }, (_, i) => ((value >> BigInt(112 - i * 16)) & 0xffffn).toString(16)).join(
    ':',
  );
}

/** The first address of a range past its network address, and the last before its broadcast. */
function samples(range: SpecialRange, v4: boolean): string[] {
  const bits = v4 ? 32 : 128;
  const size = 1n << BigInt(bits - range.prefix);
  const first = toBig(range.network);
  if (size <= 2n) return [range.network];
  return [fromBig(first + 1n, v4), fromBig(first + size - 2n, v4)];
}

/** The reason of the first row of the table that holds `address` (rows may overlap). */
function firstReason(table: readonly SpecialRange[], address: string, v4: boolean): string | undefined {
  for (const row of table) {
    const list = new BlockList();
    list.addSubnet(row.network, row.prefix, v4 ? 'ipv4' : 'ipv6');
    if (list.check(address, v4 ? 'ipv4' : 'ipv6')) return row.reason;
  }
  return undefined;
}

/** The IPv6 spellings of an IPv4 address that reach it. */
function embeddings(v4: string): string[] {
  const [a = 0, b = 0, c = 0, d = 0] = v4.split('.').map(Number);
  const hex = (x: number, y: number) => ((x << 8) | y).toString(16);
  const forms = [`::ffff:${v4}`, `::ffff:0:${v4}`, `64:ff9b::${v4}`, `2002:${hex(a, b)}:${hex(c, d)}::1`];
  // ::a.b.c.d (IPv4-compatible) is ambiguous only for :: and ::1, which have their own rows.
  if (a !== 0) forms.push(`::${v4}`);
  return forms;
}

describe('address rules: the special-purpose table', () => {
  const rules = addressRules([]);

  for (const range of SPECIAL_IPV4) {
    it(`refuses ${range.network}/${range.prefix} (${range.reason}, ${range.rfc}) and its IPv6 forms`, () => {
      for (const address of samples(range, true)) {
        assert.equal(rules.refusal(address), firstReason(SPECIAL_IPV4, address, true), address);
        for (const form of embeddings(address)) {
          const reason = rules.refusal(form);
          assert.ok(reason, `${form} is refused`);
          assert.match(reason, new RegExp(`IPv4 ${address.replaceAll('.', '\\.')} inside an IPv6 address`));
        }
      }
    });
  }

  for (const range of SPECIAL_IPV6) {
    it(`refuses ${range.network}/${range.prefix} (${range.reason}, ${range.rfc})`, () => {
      for (const address of samples(range, false)) {
        assert.equal(rules.refusal(address), firstReason(SPECIAL_IPV6, address, false), address);
        assert.ok(rules.refusal(address), address);
      }
    });
  }

  it('lets public addresses through, in every form', () => {
    for (const v4 of ['8.8.8.8', '1.1.1.1', '192.31.196.1', '203.0.114.1', '198.20.0.1', '100.128.0.1']) {
      assert.equal(rules.refusal(v4), undefined, v4);
      for (const form of embeddings(v4)) assert.equal(rules.refusal(form), undefined, form);
    }
    for (const v6 of ['2606:4700::1111', '2a00:1450:4001:80b::200e', '2620:4f:8000::1', '2001:200::1']) {
      assert.equal(rules.refusal(v6), undefined, v6);
    }
  });

  it('refuses names that mean loopback, metadata or private networks, before any lookup', () => {
    const refused: Array<[string, RegExp]> = [
      ['localhost', /loopback name/],
      ['LOCALHOST.', /loopback name/],
      ['localhost.', /loopback name/],
      ['foo.localhost', /loopback name/],
      ['a.b.localhost.', /loopback name/],
      ['metadata.google.internal', /cloud metadata name/],
      ['Metadata.Google.Internal.', /cloud metadata name/],
      ['metadata', /cloud metadata name/],
      ['instance-data.ec2.internal', /private-use name/],
      ['db.corp.internal', /private-use name/],
      ['printer.local', /mDNS/],
      ['router.home.arpa', /private-use name/],
      ['box.localdomain', /private-use name/],
      ['x.invalid', /invalid name/],
    ];
    for (const [name, reason] of refused) {
      const why = rules.nameRefusal(name);
      assert.ok(why, `${name} is refused`);
      assert.match(why, reason, name);
    }
    for (const name of [
      'example.com',
      'localhost.example.com',
      'notlocalhost',
      'internal.example.org',
      'locals.example',
    ]) {
      assert.equal(rules.nameRefusal(name), undefined, name);
    }
  });

  it('the allowlist opens ranges, their embedded forms, and the names that stand for them', () => {
    const open = addressRules(['127.0.0.0/8', '192.0.2.0/24']);
    for (const address of ['127.0.0.1', '::ffff:127.0.0.1', '::ffff:0:127.0.0.1', '192.0.2.7']) {
      assert.equal(open.refusal(address), undefined, address);
    }
    assert.equal(open.nameRefusal('localhost'), undefined);
    assert.equal(open.nameRefusal('foo.localhost.'), undefined);
    assert.ok(open.nameRefusal('metadata.google.internal'), 'metadata stays refused');
    assert.ok(open.refusal('10.0.0.1'), 'other ranges stay refused');
    assert.ok(open.refusal('::1'), '::1 stays refused');
  });
});

describeEachStore('address rules: registration refuses by rule, never dials', (kind) => {
  let server: TestServer;
  let app: TestApp;
  let receiver: Receiver;
  before(async () => {
    server = await startServer(kind, { SWITCHBOARD_WEBHOOK_TIMEOUT: '2' });
    app = await createTestApp(server);
    receiver = await startReceiver();
  });
  after(async () => {
    await server.close();
    await receiver.close();
  });

  it('refuses TEST-NET-1, IPv4-translated loopback and special names with a 400 that says why', async () => {
    const port = receiver.port;
    const cases: Array<[string, RegExp]> = [
      ['http://192.0.2.1/', /192\.0\.2\.1: a documentation address \(TEST-NET-1\)/],
      ['http://198.51.100.9/', /TEST-NET-2/],
      [
        `http://[::ffff:0:127.0.0.1]:${port}/`,
        /loopback address \(IPv4 127\.0\.0\.1 inside an IPv6 address\)/,
      ],
      [`http://[64:ff9b::7f00:1]:${port}/`, /IPv4 127\.0\.0\.1 inside an IPv6 address/],
      ['http://[2001::1]/', /a Teredo address/],
      [`http://localhost.:${port}/`, /refused to connect to localhost\.: a loopback name/],
      [`http://foo.localhost:${port}/`, /refused to connect to foo\.localhost: a loopback name/],
      ['http://metadata.google.internal/computeMetadata/v1/', /a cloud metadata name/],
    ];
    for (const [target, message] of cases) {
      const res = await server.request('POST', '/v1/webhooks', {
        headers: app.asApp,
        body: { target, events: ['messages:new'] },
      });
      assertError(res, 400, message);
    }
    assert.equal(receiver.received.length, 0, 'nothing was dialled');
  });
});
