import { TextField } from '../../common/http/fields';
import { MAX_PASSWORD_LENGTH } from '../../users/password-validators';
import { NewPasswordField } from './password-field';

/** dj-rest-auth's PasswordChangeSerializer: the old password, and the new one twice. */
export class ChangePasswordDto {
  @TextField({ maxLength: MAX_PASSWORD_LENGTH, trim: false, format: 'password' })
  old_password: string;

  @NewPasswordField()
  new_password1: string;

  @NewPasswordField()
  new_password2: string;
}
