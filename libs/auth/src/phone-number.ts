import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { invalid } from '../../domain/src/errors.js';

/**
 * Parses an E.164 number and returns its canonical form, refusing numbers that libphonenumber
 * (full metadata) does not judge valid for their region.
 */
export function normalisePhoneNumber(input: string): string {
  const parsed = /^\+[1-9]\d{1,14}$/.test(input) ? parsePhoneNumberFromString(input) : undefined;
  if (!parsed || !parsed.isValid()) {
    throw invalid('invalid_phone', 'phone must be a valid number in E.164 form, like +14155550123', [
      { field: 'phone', message: 'not a valid E.164 phone number' },
    ]);
  }
  return parsed.number;
}
