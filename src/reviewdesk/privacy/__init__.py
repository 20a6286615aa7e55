"""Redaction of secrets and personal data, and the workspace's data-protection policies.

Pure code: no Qt, no database, no I/O. ``detectors`` finds sensitive values in a string (secrets
through detect-secrets' plugins, phone numbers through ``phonenumbers``, IBANs and card numbers
through python-stdnum's checksums, IP addresses through ``ipaddress``); ``redactor`` replaces them
with typed, numbered placeholders (``[EMAIL_1]``) in every string of a span, consistently within a
trace; ``settings`` holds the per-workspace rules. The import service runs the redactor on each
batch *before* anything of it is written (docs/adr/0005-redaction-on-import.md).
"""

from reviewdesk.privacy.settings import CustomRule, RedactionSettings, RetentionSettings, parse_age

# The detectors load detect-secrets, libphonenumber's metadata and python-stdnum (~0.1 s): only
# the code that redacts imports ``reviewdesk.privacy.redactor`` / ``.detectors``, so commands that
# never redact do not pay for them at start-up.
__all__ = ["CustomRule", "RedactionSettings", "RetentionSettings", "parse_age"]
