import { describe, expect, it } from 'vitest';
import { normalizeMessage, parameterize } from './parameterize.js';

describe('message parameterisation', () => {
  it.each([
    ['user 42 not found', 'user <int> not found'],
    ['offset -17 too small', 'offset <int> too small'],
    ['took 1.5 seconds, ratio -0.25', 'took <float> seconds, ratio <float>'],
    ['bad pointer 0x7ffd4a3b', 'bad pointer <hex>'],
    ['order 6f1e2d9a-3b4c-4d5e-8f90-a1b2c3d4e5f6 failed', 'order <uuid> failed'],
    ['blob 0beec7b5ea3f0fdbc95d0dd47f3c5bc275da8a33 missing', 'blob <sha1> missing'],
    ['etag 5d41402abc4b2a76b9719d911017c592 stale', 'etag <md5> stale'],
    ['connect to 10.0.12.7 refused', 'connect to <ip> refused'],
    ['connect to 2001:0db8:85a3:0000:0000:8a2e:0370:7334 refused', 'connect to <ip> refused'],
    ['mail to ops@example.com bounced', 'mail to <email> bounced'],
    ['GET https://api.example.com/v1/items?id=3 failed', 'GET <url> failed'],
    ['cannot resolve db.internal.example.com', 'cannot resolve <hostname>'],
    ['job started 2024-05-01T12:30:00Z', 'job started <date>'],
    ['at 2024-05-01 12:30:00.123 the disk filled', 'at <date> the disk filled'],
    ['Tue, 3 Jun 2008 11:05:30 GMT', '<date>'],
    ['timeout after 250ms', 'timeout after <duration>'],
    ["key='secret value' flag=true name=\"x y\"", 'key=<quoted_str> flag=<bool> name=<quoted_str>'],
  ])('%s', (input, expected) => {
    expect(parameterize(input)).toBe(expected);
  });

  it('quoted strings and booleans only as values of key=value pairs', () => {
    expect(parameterize("it's 'quoted' and true")).toBe("it's 'quoted' and true");
  });

  it("keeps Sentry's quirks: one digit of seconds, a UUID never read as numbers, `::` as an address", () => {
    // Sentry's duration pattern takes one digit before `s`: `15s` becomes `1<duration>`.
    expect(parameterize('retry in 15s')).toBe('retry in 1<duration>');
    expect(parameterize('id 00000000-0000-0000-0000-000000000042')).toBe('id <uuid>');
    expect(parameterize('Foo::run')).toBe('Foo<ip>run');
    // The first alternative that matches wins, not the longest: a compressed IPv6 address is cut short.
    expect(parameterize('2001:db8::8a2e:370:7334')).toBe('<ip>8a2e:<int>:<int>');
  });

  it('groups on the first two non-blank lines, marking the cut', () => {
    expect(normalizeMessage('first 1\n\n  \nsecond 2\nthird 3')).toBe('first <int>\nsecond <int>...');
    expect(normalizeMessage('only line 7')).toBe('only line <int>');
    expect(normalizeMessage('trailing\n')).toBe('trailing...');
  });

  it('a message from Sentry\'s corpus (message_with_key_pair_values) comes out as Sentry groups it', () => {
    const message =
      "Error key1='Some_str123' key2=123456789 key3=False key4=datetime.datetime(2023, 5, 2, 23, 46, tzinfo=datetime.timezone.utc) key5=\"double-quoted\" other_date=datetime.datetime(2023, 5, 3, 1, 10, tzinfo=d...";
    expect(normalizeMessage(message)).toBe(
      'Error key1=<quoted_str> key2=<int> key3=<bool> key4=<date> key5=<quoted_str> other_date=datetime.datetime(<int>, <int>, <int>, <int>, <int>, tzinfo=d...',
    );
  });
});
