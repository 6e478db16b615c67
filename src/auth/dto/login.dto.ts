import { TextField } from '../../common/http/fields';
import { MAX_PASSWORD_LENGTH } from '../../users/password-validators';
import { CleanUsername } from './register.dto';

/** Both credentials are optional here because HTTP Basic may carry them instead. */
export class LoginDto {
  // Cleaned as register cleans it. The lookup cleans it again (cleaning is idempotent) and the throttle key cleans the raw body the same way.
  @CleanUsername()
  @TextField({ maxLength: 150, required: false, trim: false, example: 'alice' })
  username?: string;

  @TextField({ maxLength: MAX_PASSWORD_LENGTH, required: false, trim: false, format: 'password' })
  password?: string;

  @TextField({ maxLength: 64, required: false, description: 'A label for the new token, shown in the token list', example: 'laptop' })
  name?: string;
}
