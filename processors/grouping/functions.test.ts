import { describe, expect, it } from 'vitest';
import { familyOf, trimFunctionName } from './functions.js';

describe('function names as Sentry compares them', () => {
  it.each([
    ['void __cdecl foo::bar(int)', 'foo::bar'],
    ['std::vector<int, std::allocator<int> >::push_back(int const&)', 'std::vector<T>::push_back'],
    ['Foo::operator<<(std::ostream&) const', 'Foo::operator<<'],
    ['main::{lambda(int)#1}::operator()(int) const', 'main::lambda::operator()'],
    ['<T as core::fmt::Debug>::fmt', 'core::fmt::Debug::fmt'],
    ['<alloc::vec::Vec<T> as core::ops::drop::Drop>::drop', 'alloc::vec::Vec<T>::drop'],
    ['log_demo::main::h9e9a6f5f8c0e6f1c', 'log_demo::main'],
    ['memcpy@@GLIBC_2.14', 'memcpy'],
    ['@InterlockedIncrement@4', 'InterlockedIncrement'],
    ['render_frame [clone .cold.1]', 'render_frame'],
    ['-[NSView layout]', '-[NSView layout]'],
    ['<redacted>', '<redacted>'],
  ])('native: %s', (raw, trimmed) => {
    expect(trimFunctionName(raw, 'native')).toBe(trimmed);
  });

  it('C# drops the signature; managed and scripting platforms keep the name as sent', () => {
    expect(trimFunctionName('Start (System.String args)', 'csharp')).toBe('Start');
    expect(trimFunctionName('Foo.bar(int)', 'java')).toBe('Foo.bar(int)');
    expect(trimFunctionName('Object.<anonymous>', 'node')).toBe('Object.<anonymous>');
  });

  it('families', () => {
    expect(['cocoa', 'objc', 'swift', 'native', 'c'].map(familyOf)).toEqual(Array(5).fill('native'));
    expect(['javascript', 'node'].map(familyOf)).toEqual(['javascript', 'javascript']);
    expect([undefined, 'python', 'java'].map(familyOf)).toEqual(['other', 'other', 'other']);
  });
});
