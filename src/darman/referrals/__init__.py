"""Family-physician panels and the referral system (نظام ارجاع و پزشک خانواده)."""
