// Distinct phone numbers that libphonenumber judges valid.
// Scheme: French mobile numbers +33 6 XXXXXXXX. Not every block is assigned (+33 639… is not),
// so the numbers stay within +33 600… to +33 629…, all valid: 30,000,000 numbers.
// A random base per run keeps runs against a long-lived server apart.
import { isValidPhoneNumber } from 'libphonenumber-js/max';

const SPACE = 30_000_000;
const base = Math.floor(Math.random() * (SPACE / 2));

export function phoneNumber(index: number): string {
  const n = (base + index) % SPACE;
  return `+336${String(n).padStart(8, '0')}`;
}

/** Fails loudly unless the first `count` numbers of the scheme are all valid and distinct. */
export function verifyPhoneScheme(count: number): void {
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const p = phoneNumber(i);
    if (!isValidPhoneNumber(p)) throw new Error(`phone scheme broken: ${p} (index ${i}) is not a valid number per libphonenumber-js`);
    seen.add(p);
  }
  if (seen.size !== count) throw new Error(`phone scheme broken: only ${seen.size} distinct numbers in ${count}`);
}
