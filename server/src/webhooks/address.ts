import { lookup } from 'node:dns/promises';
import { BlockList, isIP, isIPv4 } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { ConfigError } from '../config/config.ts';
import { SPECIAL_IPV4, SPECIAL_IPV6, SPECIAL_NAMES } from './special-ranges.ts';

/**
 * Target address rules (docs/webhooks.md), applied to the address actually dialled: a hostname is resolved
 * here, every address it resolves to is checked, and the connection goes to the checked address itself,
 * so a DNS answer that changes between check and connect (rebinding) cannot get around the rules.
 */

export class AddressRefusedError extends Error {
  readonly code = 'ADDRESS_REFUSED';
}

/** 16 bytes of an IPv6 address (with `::` and an embedded dotted quad expanded). */
function ipv6Bytes(address: string): Uint8Array {
  let text = address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const parts = dotted[1]!.split('.').map(Number);
    text =
      text.slice(0, dotted.index) +
      ((parts[0]! << 8) | parts[1]!).toString(16) +
      ':' +
      ((parts[2]! << 8) | parts[3]!).toString(16);
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailGroups];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    const value = Number.parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  return bytes;
}

function v4(bytes: Uint8Array, at: number): string {
  return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
}

/**
 * The IPv4 address an IPv6 address carries, for the forms that reach an IPv4 host: IPv4-mapped
 * (::ffff:a.b.c.d), IPv4-translated (::ffff:0:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64
 * (64:ff9b::/96) and 6to4 (2002::/16).
 */
export function embeddedIPv4(address: string): string | undefined {
  const b = ipv6Bytes(address.replace(/%.*$/, ''));
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return v4(b, 12);
  // IPv4-translated (SIIT, RFC 2765): ::ffff:0:a.b.c.d
  if (zeros(0, 8) && b[8] === 0xff && b[9] === 0xff && b[10] === 0 && b[11] === 0) return v4(b, 12);
  if (zeros(0, 12) && !zeros(12, 16) && !(zeros(12, 15) && b[15] === 1)) return v4(b, 12);
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) return v4(b, 12);
  if (b[0] === 0x20 && b[1] === 0x02) return v4(b, 2);
  return undefined;
}

export interface AddressRules {
  /** Undefined when the address may be dialled; otherwise why not. */
  refusal(address: string): string | undefined;
  /** Undefined when the host name may be looked up; otherwise why not (special-ranges.ts). */
  nameRefusal(hostname: string): string | undefined;
}

/** The rules with the operator's allowlist (CIDRs, or bare addresses) opening chosen ranges. */
export function addressRules(allowlist: readonly string[]): AddressRules {
  const refused = [
    ...SPECIAL_IPV4.map((range) => ({ range, family: 'ipv4' as const })),
    ...SPECIAL_IPV6.map((range) => ({ range, family: 'ipv6' as const })),
  ].map(({ range, family }) => {
    const list = new BlockList();
    list.addSubnet(range.network, range.prefix, family);
    return { list, family, reason: range.reason };
  });

  const allowed = new BlockList();
  for (const entry of allowlist) {
    const [net = '', prefixText] = entry.split('/');
    const family = isIP(net);
    const max = family === 4 ? 32 : 128;
    const prefix = prefixText === undefined ? max : Number(prefixText);
    if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max || prefixText === '') {
      throw new ConfigError(`SWITCHBOARD_WEBHOOK_ALLOWLIST: "${entry}" is not a CIDR (e.g. 127.0.0.0/8)`);
    }
    allowed.addSubnet(net, prefix, family === 4 ? 'ipv4' : 'ipv6');
  }

  const check = (address: string, family: 'ipv4' | 'ipv6'): string | undefined => {
    if (allowed.check(address, family)) return undefined;
    for (const row of refused)
      if (row.family === family && row.list.check(address, family)) return row.reason;
    return undefined;
  };
  const opened = (address: string): boolean => allowed.check(address, isIPv4(address) ? 'ipv4' : 'ipv6');

  return {
    refusal(raw) {
      const address = raw.replace(/^\[|\]$/g, '');
      if (isIPv4(address)) return check(address, 'ipv4');
      if (isIP(address.replace(/%.*$/, '')) !== 6) return 'not an IP address';
      const plain = address.replace(/%.*$/, '');
      const inner = embeddedIPv4(plain);
      if (inner !== undefined) {
        // The IPv4 host behind it is what gets reached: its rules apply (and the allowlist may open it).
        if (allowed.check(plain, 'ipv6')) return undefined;
        const reason = check(inner, 'ipv4');
        return reason
          ? `${reason.replace(/ address$/, '')} address (IPv4 ${inner} inside an IPv6 address)`
          : undefined;
      }
      return check(plain, 'ipv6');
    },
    nameRefusal(hostname) {
      const name = hostname.toLowerCase().replace(/\.$/, '');
      for (const rule of SPECIAL_NAMES) {
        const matches = rule.name.startsWith('.')
          ? name === rule.name.slice(1) || name.endsWith(rule.name)
          : name === rule.name;
        if (!matches) continue;
        return rule.standsFor.some(opened) ? undefined : rule.reason;
      }
      return undefined;
    },
  };
}

/**
 * The one address to dial for `hostname`: an IP literal as it is, or the first address the name
 * resolves to that the rules allow. Refuses (before any connection) when there is none.
 */
export async function resolveTarget(rules: AddressRules, hostname: string): Promise<string> {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) {
    const reason = rules.refusal(host);
    if (reason) throw new AddressRefusedError(`refused to connect to ${host}: ${reason}`);
    return host;
  }
  const named = rules.nameRefusal(host);
  if (named) throw new AddressRefusedError(`refused to connect to ${host}: ${named}`);
  let addresses: Array<{ address: string }>;
  try {
    addresses = await lookup(host, { all: true, verbatim: true });
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'lookup failed';
    throw new Error(`could not resolve ${host}: ${code}`);
  }
  const reasons: string[] = [];
  for (const { address } of addresses) {
    const reason = rules.refusal(address);
    if (!reason) return address;
    reasons.push(`${address} is ${reason}`);
  }
  throw new AddressRefusedError(`refused to connect to ${host}: ${reasons.join('; ') || 'no address'}`);
}

/**
 * An undici connection pool whose every new connection goes through the address rules: the hostname
 * is resolved and checked first, then the checked address is dialled (with the name kept for TLS).
 */
export function guardedAgent(
  rules: AddressRules,
  options: { connectTimeout: number; connections: number; keepAliveTimeout?: number },
): Agent {
  const base = buildConnector({ timeout: options.connectTimeout, allowH2: false });
  const connect: buildConnector.connector = (opts, callback) => {
    resolveTarget(rules, opts.hostname).then(
      (address) => {
        const named = isIP(opts.hostname.replace(/^\[|\]$/g, '')) === 0;
        base(
          {
            ...opts,
            hostname: address,
            ...(opts.protocol === 'https:' && named ? { servername: opts.servername ?? opts.hostname } : {}),
          },
          callback,
        );
      },
      (error: Error) => callback(error, null),
    );
  };
  return new Agent({
    connect,
    connections: options.connections,
    keepAliveTimeout: options.keepAliveTimeout ?? 30_000,
    keepAliveMaxTimeout: 60_000,
  });
}
