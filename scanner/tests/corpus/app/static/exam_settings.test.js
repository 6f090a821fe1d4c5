import { requiresEscalationEmail } from './exam_settings';

it('requires an escalation email', () => {
  expect(requiresEscalationEmail('proctortrack')).toBe(true);
});
