/** What a mail is, from its subject (the email service's templates). */
export const mailKind = (subject: string): 'receipt' | 'confirmation' | 'rejection' | 'other' =>
  subject.startsWith('Receipt')
    ? 'receipt'
    : subject.includes('is confirmed')
      ? 'confirmation'
      : subject.includes('could not be completed')
        ? 'rejection'
        : 'other';
