/** DRF's field error sentences, so clients written against DRF read the same text. */
export const DRF = {
  required: 'This field is required.',
  notNull: 'This field may not be null.',
  nullCharacters: 'Null characters are not allowed.',
  blank: 'This field may not be blank.',
  notAString: 'Not a valid string.',
  invalidEmail: 'Enter a valid email address.',
  maxLength: (max: number): string => `Ensure this field has no more than ${max} characters.`,
  minLength: (min: number): string => `Ensure this field has at least ${min} characters.`,
} as const;
