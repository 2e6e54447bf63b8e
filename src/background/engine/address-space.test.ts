import { describe, expect, it } from 'vitest';
import { spaceOfAddress } from './address-space';

describe('spaceOfAddress', () => {
  it('sorts addresses as Local Network Access does', () => {
    for (const ip of ['127.0.0.1', '127.9.9.9', '::1', '[::1]', '::ffff:127.0.0.1'])
      expect(spaceOfAddress(ip)).toBe('local');
    for (const ip of ['10.0.0.1', '172.16.5.4', '172.31.255.255', '192.168.1.1', '169.254.1.1', 'fd00::1', 'fe80::1']) {
      expect(spaceOfAddress(ip)).toBe('private');
    }
    for (const ip of ['8.8.8.8', '172.32.0.1', '2001:db8::1', '192.169.0.1']) expect(spaceOfAddress(ip)).toBe('public');
  });
});
