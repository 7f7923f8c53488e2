// Which language an error message is rendered in. English messages come from the code that raised
// the error and carry specifics; the Chinese ones are per code (see the catalogue in errors.ts),
// and `details` always carries the specifics in both cases.

export function prefersChinese(acceptLanguage: string | undefined): boolean {
  if (!acceptLanguage) return false;
  const first = acceptLanguage.split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('zh');
}
