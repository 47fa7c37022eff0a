"""E-prescription: issue with formulary and safety checks, dispensing, savings."""
