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

/**
 * Numbers as address books hold them ("+1 (415) 555-0123", "+44 20 7946 0958"): in international
 * form, with any spacing or punctuation. Returns the E.164 form, or undefined when not a valid number.
 */
export function normaliseAddressBookNumber(input: string): string | undefined {
  const parsed = input.trim().startsWith('+') ? parsePhoneNumberFromString(input) : undefined;
  return parsed?.isValid() ? parsed.number : undefined;
}
