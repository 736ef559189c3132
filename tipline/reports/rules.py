"""The report form's checks, for what arrives without the form: a line of a batch file, a call of the API.

The rules of a report live on ReportForm's fields (tipline/reports/forms.py); the batch upload and the
API ask them here, field by field (tipline/forms.py FormRules), so that no rule is written twice.
"""

from tipline.forms import FormRules
from tipline.reports.forms import ReportForm

REPORT = FormRules(ReportForm)
checks, required, max_length, field_problem = REPORT.checks, REPORT.required, REPORT.max_length, REPORT.problem
