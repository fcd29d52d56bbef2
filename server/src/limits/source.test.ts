import { describe, expect, it } from 'vitest';
import { sourceKey } from './source.ts';

describe('sourceKey', () => {
  it('keeps an IPv4 address as it is, also when IPv4-mapped', () => {
    expect(sourceKey('192.0.2.1')).toBe('192.0.2.1');
    expect(sourceKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(sourceKey('::ffff:c000:201')).toBe('192.0.2.1');
    expect(sourceKey('0:0:0:0:0:ffff:c000:0201')).toBe('192.0.2.1');
  });

  it('groups IPv6 addresses by their /64, however they are written', () => {
    const key = '2001:db8:1:2::/64';
    expect(sourceKey('2001:db8:1:2::1')).toBe(key);
    expect(sourceKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe(key);
    expect(sourceKey('2001:DB8:1:2:a:b:c:d')).toBe(key);
    expect(sourceKey('[2001:db8:1:2::9]')).toBe(key);
    expect(sourceKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(sourceKey('2001:db8:1:3::1')).not.toBe(key);
    expect(sourceKey('::1')).toBe('0:0:0:0::/64');
    expect(sourceKey('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
  });
});
