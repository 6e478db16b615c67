import { TextField } from '../../common/http/fields';
import { MAX_PASSWORD_LENGTH } from '../../users/password-validators';

export class ChangePasswordDto {
  @TextField({ maxLength: MAX_PASSWORD_LENGTH, trim: false, format: 'password' })
  currentPassword: string;

  @TextField({ maxLength: MAX_PASSWORD_LENGTH, trim: false, format: 'password' })
  newPassword: string;
}
