import { describe, expect, test } from 'vitest';
import { fileNameFromUrl, safeSegment, savePaths } from './filenames';

describe('safeSegment', () => {
  test('replaces characters file systems refuse', () => {
    expect(safeSegment('a/b\\c:d*e?f"g<h>i|j')).toBe('a_b_c_d_e_f_g_h_i_j');
  });
  test('never hidden, never empty, never a device name', () => {
    expect(safeSegment('..')).toBe('download');
    expect(safeSegment('.hidden')).toBe('hidden');
    expect(safeSegment('  ', 'x')).toBe('x');
    expect(safeSegment('CON')).toBe('_CON');
    expect(safeSegment('nul.txt')).toBe('_nul.txt');
  });
  test('device names with superscript digits and the console ones are device names too', () => {
    for (const name of ['COM¹', 'com².txt', 'LPT³', 'lpt¹.tar.gz', 'CONIN$', 'conout$.log', 'CONIN$.txt']) {
      expect(safeSegment(name)).toBe(`_${name}`);
    }
    expect(safeSegment('COM⁴')).toBe('COM⁴');
    expect(safeSegment('CONIN')).toBe('CONIN');
  });
  test('format characters (bidi overrides) are removed: the name reads as what it is', () => {
    expect(safeSegment('photo\u202egpj.exe')).toBe('photogpj.exe');
    expect(fileNameFromUrl('https://a.example/x%E2%80%AEfdp.exe')).toBe('xfdp.exe');
    expect(safeSegment('\u202e\u2066')).toBe('download');
  });
  test('long names keep their extension', () => {
    const long = safeSegment(`${'a'.repeat(300)}.mp3`);
    expect(long.length).toBeLessThanOrEqual(100);
    expect(long.endsWith('.mp3')).toBe(true);
  });
});

describe('fileNameFromUrl', () => {
  test('decodes the last segment and drops the query', () => {
    expect(fileNameFromUrl('https://a.example/media/ep%201.mp3?x=1')).toBe('ep 1.mp3');
  });
  test('falls back to the host for a bare origin', () => {
    expect(fileNameFromUrl('https://a.example/')).toBe('a.example');
  });
  test('a malformed escape is kept as it is', () => {
    expect(fileNameFromUrl('https://a.example/100%')).toBe('100%');
  });
});

describe('savePaths', () => {
  test('site and fetch folders; duplicates numbered', () => {
    expect(
      savePaths('http://localhost:8080', 'Episode: 12/13', [
        'http://localhost:8080/a/file.bin',
        'http://localhost:8080/b/file.bin',
        'http://localhost:8080/b/FILE.bin',
        'http://localhost:8080/c',
      ]),
    ).toEqual([
      'localhost_8080/Episode_ 12_13/file.bin',
      'localhost_8080/Episode_ 12_13/file (2).bin',
      'localhost_8080/Episode_ 12_13/FILE (3).bin',
      'localhost_8080/Episode_ 12_13/c',
    ]);
  });
});
