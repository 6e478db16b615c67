import { TextField } from '../../common/http/fields';
import { MAX_PASSWORD_LENGTH } from '../../users/password-validators';

/** Both credentials are optional here because HTTP Basic may carry them instead. */
export class LoginDto {
  @TextField({ maxLength: 150, required: false, example: 'alice' })
  username?: string;

  @TextField({ maxLength: MAX_PASSWORD_LENGTH, required: false, trim: false, format: 'password' })
  password?: string;

  @TextField({ maxLength: 64, required: false, description: 'A label for the new token, shown in the token list', example: 'laptop' })
  name?: string;
}
