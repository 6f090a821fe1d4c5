import { defineMessages } from 'react-intl';

export const messages = defineMessages({
  notice: {
    id: 'proctoring.notice',
    defaultMessage: 'This exam uses Proctortrack.',
  },
});

/* Shown only for proctortrack exams. */
export const ProctoringNotice = ({ provider }: { provider: string }) => (
  provider === 'proctortrack' ? <p>Proctortrack monitors this exam</p> : null
);
