/**
 * The address ranges a webhook may never reach unless the operator's allowlist opens them: the IANA
 * special-purpose registries (IPv4 RFC 6890 and IPv6 RFC 6890/8190, as of 2025) less the entries
 * that are globally reachable, plus multicast, and the cloud metadata addresses named apart so the
 * refusal says what they are. The first matching row names the reason.
 * https://www.iana.org/assignments/iana-ipv4-special-registry
 * https://www.iana.org/assignments/iana-ipv6-special-registry
 *
 * IPv6 forms that carry an IPv4 address (mapped, translated, compatible, NAT64, 6to4) are judged by
 * that IPv4 address (address.ts); Teredo hides its client address and is refused whole.
 */
export interface SpecialRange {
  network: string;
  prefix: number;
  reason: string;
  /** Where the range is defined. */
  rfc: string;
}

export const SPECIAL_IPV4: readonly SpecialRange[] = [
  { network: '169.254.169.254', prefix: 32, reason: 'a cloud metadata address', rfc: 'AWS, GCP, Azure' },
  { network: '100.100.100.200', prefix: 32, reason: 'a cloud metadata address', rfc: 'Alibaba Cloud' },
  { network: '0.0.0.0', prefix: 8, reason: 'a "this network" address', rfc: 'RFC 791' },
  { network: '10.0.0.0', prefix: 8, reason: 'a private address', rfc: 'RFC 1918' },
  { network: '100.64.0.0', prefix: 10, reason: 'a carrier-grade NAT address', rfc: 'RFC 6598' },
  { network: '127.0.0.0', prefix: 8, reason: 'a loopback address', rfc: 'RFC 1122' },
  { network: '169.254.0.0', prefix: 16, reason: 'a link-local address', rfc: 'RFC 3927' },
  { network: '172.16.0.0', prefix: 12, reason: 'a private address', rfc: 'RFC 1918' },
  { network: '192.0.0.0', prefix: 24, reason: 'an IETF protocol assignment address', rfc: 'RFC 6890' },
  { network: '192.0.2.0', prefix: 24, reason: 'a documentation address (TEST-NET-1)', rfc: 'RFC 5737' },
  { network: '192.88.99.0', prefix: 24, reason: 'a deprecated 6to4 relay address', rfc: 'RFC 7526' },
  { network: '192.168.0.0', prefix: 16, reason: 'a private address', rfc: 'RFC 1918' },
  { network: '198.18.0.0', prefix: 15, reason: 'a benchmarking address', rfc: 'RFC 2544' },
  { network: '198.51.100.0', prefix: 24, reason: 'a documentation address (TEST-NET-2)', rfc: 'RFC 5737' },
  { network: '203.0.113.0', prefix: 24, reason: 'a documentation address (TEST-NET-3)', rfc: 'RFC 5737' },
  { network: '224.0.0.0', prefix: 4, reason: 'a multicast address', rfc: 'RFC 5771' },
  { network: '255.255.255.255', prefix: 32, reason: 'the broadcast address', rfc: 'RFC 919' },
  { network: '240.0.0.0', prefix: 4, reason: 'a reserved address', rfc: 'RFC 1112' },
];

export const SPECIAL_IPV6: readonly SpecialRange[] = [
  { network: 'fd00:ec2::254', prefix: 128, reason: 'a cloud metadata address', rfc: 'AWS' },
  { network: '::', prefix: 128, reason: 'the unspecified address', rfc: 'RFC 4291' },
  { network: '::1', prefix: 128, reason: 'a loopback address', rfc: 'RFC 4291' },
  {
    network: '64:ff9b:1::',
    prefix: 48,
    reason: 'a local-use IPv4/IPv6 translation address',
    rfc: 'RFC 8215',
  },
  { network: '100::', prefix: 64, reason: 'a discard address', rfc: 'RFC 6666' },
  { network: '100:0:0:1::', prefix: 64, reason: 'a dummy address', rfc: 'RFC 9780' },
  { network: '2001::', prefix: 32, reason: 'a Teredo address', rfc: 'RFC 4380' },
  { network: '2001::', prefix: 23, reason: 'an IETF protocol assignment address', rfc: 'RFC 2928' },
  { network: '2001:db8::', prefix: 32, reason: 'a documentation address', rfc: 'RFC 3849' },
  { network: '3fff::', prefix: 20, reason: 'a documentation address', rfc: 'RFC 9637' },
  { network: '5f00::', prefix: 16, reason: 'a segment routing (SRv6) address', rfc: 'RFC 9602' },
  { network: 'fc00::', prefix: 7, reason: 'a private (unique local) address', rfc: 'RFC 4193' },
  { network: 'fe80::', prefix: 10, reason: 'a link-local address', rfc: 'RFC 4291' },
  { network: 'fec0::', prefix: 10, reason: 'a site-local address', rfc: 'RFC 3879' },
  { network: 'ff00::', prefix: 8, reason: 'a multicast address', rfc: 'RFC 4291' },
];

/**
 * Host names refused by rule, before any DNS lookup (a resolver may answer anything for them).
 * `standsFor`: the address the name means; when the allowlist opens it the name goes on to DNS
 * (tests and local development use `localhost` with 127.0.0.0/8 allowed), and the addresses it
 * resolves to are checked as usual. Names are compared lower-case without a trailing dot.
 */
export interface SpecialName {
  /** The name itself, or `.suffix` for every name below it (the suffix alone included). */
  name: string;
  reason: string;
  standsFor: readonly string[];
}

export const SPECIAL_NAMES: readonly SpecialName[] = [
  { name: '.localhost', reason: 'a loopback name', standsFor: ['127.0.0.1', '::1'] },
  { name: 'metadata.google.internal', reason: 'a cloud metadata name', standsFor: ['169.254.169.254'] },
  { name: 'metadata', reason: 'a cloud metadata name', standsFor: ['169.254.169.254'] },
  { name: 'instance-data', reason: 'a cloud metadata name', standsFor: ['169.254.169.254'] },
  { name: '.internal', reason: 'a private-use name', standsFor: ['10.0.0.1'] },
  { name: '.local', reason: 'a link-local (mDNS) name', standsFor: ['169.254.0.1'] },
  { name: '.home.arpa', reason: 'a private-use name', standsFor: ['192.168.0.1'] },
  { name: '.localdomain', reason: 'a private-use name', standsFor: ['192.168.0.1'] },
  { name: '.invalid', reason: 'an invalid name', standsFor: [] },
];
