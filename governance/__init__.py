"""What leaves the system: audience exports (and, as they land, consent and suppression, the campaign
approval workflow, pseudonymised and differentially private sharing).

Layer: above ``workspace``, ``segments`` and ``fraud``; below ``agent`` and the shells (CLI, app), which
call it. Nothing here writes copy: campaign text comes from :mod:`agent.campaigns`.
"""

from __future__ import annotations

from memberinsight.governance.campaigns import (
    Campaign,
    CampaignExport,
    CampaignResults,
    CampaignStateError,
    CampaignVersion,
    approval_rule,
    approve_campaign,
    approver_role,
    campaign_audience,
    campaign_history,
    create_campaign,
    edit_campaign,
    export_campaign,
    get_campaign,
    get_results,
    import_results,
    list_campaigns,
    return_to_draft,
    submit_campaign,
)
from memberinsight.governance.contacts import record_contacts
from memberinsight.governance.direct_export import (
    DirectExportRefused,
    check_direct_export,
    direct_export_allowed,
    direct_export_note,
    export_direct,
)
from memberinsight.governance.eligibility import CHANNELS, REASONS, AudienceScreen, screen_audience
from memberinsight.governance.export import (
    EXPORT_COLUMNS,
    ExportReport,
    check_reason,
    export_audience,
    export_path,
    export_segment,
)
from memberinsight.governance.kanon import KAnonymityResult, enforce_k
from memberinsight.governance.privacy_budget import BudgetExceededError, BudgetStatus, budget_status
from memberinsight.governance.private_report import PrivateReport, private_report
from memberinsight.governance.pseudonymise import PseudonymisedExport, export_pseudonymised, rotate_key
from memberinsight.governance.suppression import (
    SUPPRESSION_REASONS,
    Suppression,
    SuppressionImport,
    add_suppression,
    import_suppressions,
    list_suppressions,
    remove_suppression,
    suppression_counts,
)

__all__ = ["EXPORT_COLUMNS", "ExportReport", "check_reason", "export_audience", "export_path", "export_segment"]
__all__ += ["DirectExportRefused", "check_direct_export", "direct_export_allowed", "direct_export_note",
            "export_direct"]
__all__ += ["CHANNELS", "REASONS", "SUPPRESSION_REASONS", "AudienceScreen", "Suppression", "SuppressionImport",
            "add_suppression", "import_suppressions", "list_suppressions", "record_contacts", "remove_suppression",
            "screen_audience", "suppression_counts"]
__all__ += ["BudgetExceededError", "BudgetStatus", "KAnonymityResult", "PrivateReport", "PseudonymisedExport",
            "budget_status", "enforce_k", "export_pseudonymised", "private_report", "rotate_key"]
__all__ += ["Campaign", "CampaignExport", "CampaignResults", "CampaignStateError", "CampaignVersion",
            "approval_rule", "approve_campaign", "approver_role", "campaign_audience", "campaign_history",
            "create_campaign", "edit_campaign", "export_campaign", "get_campaign", "get_results", "import_results",
            "list_campaigns", "return_to_draft", "submit_campaign"]
