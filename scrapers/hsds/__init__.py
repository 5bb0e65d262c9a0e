"""Human Services Data (HSDS, Open Referral): the `hsds` adapter (adapter) over JSON, tabular packages and the
Open Referral UK API; services as listings, their schedules."""
