"""Claims (اسناد) of owned and contracted centres: submission, adjudication, review, payment."""
