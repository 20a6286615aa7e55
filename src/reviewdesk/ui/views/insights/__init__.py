"""The Insights view, one module per tab (see ``view``)."""

from reviewdesk.ui.views.insights.figures import CASE_IDS_ROLE
from reviewdesk.ui.views.insights.view import InsightsView

__all__ = ["CASE_IDS_ROLE", "InsightsView"]
