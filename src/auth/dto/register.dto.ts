import { Transform } from 'class-transformer';
import { Validate, ValidationArguments, ValidatorConstraint, ValidatorConstraintInterface } from 'class-validator';
import { TextField } from '../../common/http/fields';
import { validatePassword } from '../../users/password-validators';
import { cleanUsername } from '../../users/username';
import { NewPasswordField } from './password-field';

export const USERNAME_PATTERN = /^[\p{L}\p{N}_.@+-]+$/u;
export const USERNAME_MESSAGE =
  'Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.';

/**
 * Django's password validators need the rest of the form (username, email)
 * and may fail several at once; the messages travel joined by newlines and
 * are split back into a list by the validation pipe.
 */
@ValidatorConstraint({ name: 'djangoPassword' })
export class DjangoPasswordConstraint implements ValidatorConstraintInterface {
  validate(password: unknown, args: ValidationArguments): boolean {
    return typeof password === 'string' && validatePassword(password, ownerOf(args)).length === 0;
  }
  defaultMessage(args: ValidationArguments): string {
    return validatePassword(String(args.value), ownerOf(args)).join('\n');
  }
}

function ownerOf(args: ValidationArguments): { username?: string; email?: string } {
  const object = args.object as Partial<Record<'username' | 'email', unknown>>;
  return {
    username: typeof object.username === 'string' ? object.username : undefined,
    email: typeof object.email === 'string' ? object.email : undefined,
  };
}

/**
 * A username field as Django's UsernameField cleans it (trimmed, then NFKC):
 * the length and character rules judge the normalised name, the one stored.
 */
export const CleanUsername = (): PropertyDecorator => Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? cleanUsername(value) : value));

export class RegisterDto {
  @CleanUsername()
  @TextField({ maxLength: 150, trim: false, pattern: { regex: USERNAME_PATTERN, message: USERNAME_MESSAGE }, example: 'alice' })
  username: string;

  /** Optional and blank-able, as Django's `User.email` (`blank=True`); stored as `""` when absent. */
  @TextField({ maxLength: 254, email: true, required: false, allowBlank: true, example: 'alice@example.com' })
  email?: string;

  // Listed first so that it is registered last: the field's own checks (required, blank, length) answer before Django's validators.
  @Validate(DjangoPasswordConstraint)
  @NewPasswordField('correct-horse-battery-staple')
  password: string;
}
