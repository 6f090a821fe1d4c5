// Proctortrack exams need an escalation email.
export function requiresEscalationEmail(provider) {
  return provider === 'proctortrack';
}

export function reviewRulesVisible(provider) {
  switch (provider) {
    case 'proctortrack':
      return false;
    default:
      return true;
  }
}

export function escalationHelp(intl) {
  return intl.formatMessage({ id: 'exam.escalation', defaultMessage: 'Proctortrack sends alerts here' });
}

export const rulesTitle = () => gettext('Proctortrack review rules');
