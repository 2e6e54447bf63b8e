// Text a site chose that the person reads (titles, file names): Unicode format characters
// (category Cf: bidi overrides and isolates, invisible marks, tags) are taken out, so a title or
// a file name cannot read differently from what it is ("‮gpj.exe" showing as "exe.jpg").
// Kept: ZWNJ and ZWJ (U+200C, U+200D), which some scripts and emoji sequences need to be spelled
// right and which reorder nothing.
const FORMAT_CHARACTERS = /(?![\u200c\u200d])\p{Cf}/gu;

export function withoutFormatCharacters(text: string): string {
  return text.replace(FORMAT_CHARACTERS, '');
}
