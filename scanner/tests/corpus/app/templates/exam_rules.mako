<%page args="exam" expression_filter="h"/>
<%! from django.utils.translation import gettext as _ %>
## Proctortrack courses keep their rules hidden.
% if exam.provider == "proctortrack":
  <p>${_("Proctortrack exams hide the review rules.")}</p>
% endif
<h2>Proctortrack support</h2>
