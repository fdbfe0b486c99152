import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { invalid } from '../../domain/src/errors.js';
import { assertAcceptableInput, FieldError } from './input-guard.js';

function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

export function validationFailed(errors: ValidationError[]) {
  return invalid('validation_failed', 'the request has invalid fields', flatten(errors));
}

/** Validates a plain object against a DTO class (the same rules for HTTP bodies and socket frames). */
export function parseDto<T extends object>(type: new () => T, plain: unknown): T {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    throw invalid('validation_failed', 'expected a JSON object', [{ field: '', message: 'must be an object' }]);
  }
  assertAcceptableInput(plain);
  const instance = plainToInstance(type, plain);
  const errors = validateSync(instance, { whitelist: true });
  if (errors.length > 0) throw validationFailed(errors);
  return instance;
}
