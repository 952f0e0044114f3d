import { describe, expect, test } from 'vitest';
import { preprocessWgsl, registerWgslInclude } from '../../src/gpu/wgsl';

describe('WGSL preprocessor', () => {
  test('keeps and drops #ifdef / #ifndef / #else branches, nested', () => {
    const src = ['a', '#ifdef X', 'x', '#ifdef Y', 'xy', '#else', 'x-noty', '#endif', '#else', 'notx', '#endif', '#ifndef Y', 'noty', '#endif', 'z'].join('\n');
    expect(preprocessWgsl(src, ['X']).split('\n')).toEqual(['a', 'x', 'x-noty', 'noty', 'z']);
    expect(preprocessWgsl(src, ['X', 'Y']).split('\n')).toEqual(['a', 'x', 'xy', 'z']);
    expect(preprocessWgsl(src, []).split('\n')).toEqual(['a', 'notx', 'noty', 'z']);
  });

  test('inlines each include once, inside active branches only', () => {
    registerWgslInclude('test_common', 'fn common() {}');
    const src = '#include "test_common"\n#include "test_common"\n#ifdef NO\n#include "missing"\n#endif\nfn main() {}';
    expect(preprocessWgsl(src)).toBe('fn common() {}\nfn main() {}');
  });

  test('reports unbalanced directives and unknown includes', () => {
    expect(() => preprocessWgsl('#ifdef A\nx')).toThrow(/without #endif/);
    expect(() => preprocessWgsl('#endif')).toThrow(/without #ifdef/);
    expect(() => preprocessWgsl('#include "nope"')).toThrow(/not registered/);
    expect(() => registerWgslInclude('test_common', 'different')).toThrow(/twice/);
  });
});
