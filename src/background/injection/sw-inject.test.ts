import { describe, expect, it } from 'vitest';
import { insertionPoint, withShim } from './sw-inject';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);
const SHIM = bytes('SHIM()');

describe('where the service-worker shim goes', () => {
  it('goes first in a plain script', () => {
    expect(text(withShim(bytes('self.x = 1;\n'), SHIM))).toBe(';SHIM();self.x = 1;\n');
  });

  it('keeps a "use strict" directive (single or double quotes, after comments) first', () => {
    expect(text(withShim(bytes('"use strict";\nfoo();'), SHIM))).toBe('"use strict";;SHIM();\nfoo();');
    expect(text(withShim(bytes("// hi\n/* there */\n  'use strict'\nfoo();"), SHIM))).toBe(
      "// hi\n/* there */\n  'use strict';SHIM();\nfoo();",
    );
  });

  it('does not take a string that merely starts with "use strict" for a directive', () => {
    expect(insertionPoint(bytes('"use strict" + x;'))).toBe(0);
    expect(insertionPoint(bytes('foo("use strict");'))).toBe(0);
  });

  it('keeps a UTF-8 byte order mark first', () => {
    const source = new Uint8Array([0xef, 0xbb, 0xbf, ...bytes('"use strict";x()')]);
    const out = withShim(source, SHIM);
    expect([...out.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(text(out.subarray(3))).toBe('"use strict";;SHIM();x()');
  });

  it('puts the shim before static imports of a module worker (imports are hoisted anyway)', () => {
    expect(text(withShim(bytes("import '../a.js';\n"), SHIM))).toBe(";SHIM();import '../a.js';\n");
  });

  it('adds no line: the site keeps its line numbers', () => {
    const source = bytes('"use strict";\na();\nb();\n');
    expect(text(withShim(source, SHIM)).split('\n').length).toBe(text(source).split('\n').length);
  });

  it('keeps a #! line first and starts the shim on the next line (line numbers kept)', () => {
    expect(text(withShim(bytes('#!/usr/bin/env node\nself.x = 1;\n'), SHIM))).toBe(
      '#!/usr/bin/env node\n;SHIM();self.x = 1;\n',
    );
    expect(text(withShim(bytes('#!x\r\n"use strict";\nfoo();'), SHIM))).toBe('#!x\r\n"use strict";;SHIM();\nfoo();');
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...bytes('#!x\nfoo();')]);
    expect(text(withShim(bom, SHIM).subarray(3))).toBe('#!x\n;SHIM();foo();');
    expect(text(withShim(bytes('#!x\u2028foo();\n'), SHIM))).toBe('#!x\u2028;SHIM();foo();\n');
  });

  it('waits for the end of a #! line; a script of one #! line gets the shim on a new line', () => {
    expect(insertionPoint(bytes('#!' + 'x'.repeat(5000)))).toBeNull();
    expect(text(withShim(bytes('#!x'), SHIM))).toBe('#!x\n;SHIM();');
  });
});
