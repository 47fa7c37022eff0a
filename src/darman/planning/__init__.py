"""Fair distribution of beds and equipment across provinces: facts, equity, allocation,
service levelling."""
