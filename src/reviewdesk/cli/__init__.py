"""The command line: ``reviewdesk import|cases|show|export|schema|stats|demo``. No Qt here."""
