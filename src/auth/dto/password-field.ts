import { TextField } from '../../common/http/fields';
import { MAX_PASSWORD_LENGTH } from '../../users/password-validators';

/** A field that sets a password: never trimmed, at most MAX_PASSWORD_LENGTH code points, DRF's checks otherwise. */
export const NewPasswordField = (example?: string): PropertyDecorator => TextField({ maxLength: MAX_PASSWORD_LENGTH, trim: false, format: 'password', example });

/** A new password alone: what AuthService.passwordProblems checks before Django's validators. */
export class NewPassword {
  @NewPasswordField()
  password: string;
}
