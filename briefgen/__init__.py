"""briefgen: sourced dossiers into print-ready briefing documents for union representatives."""
