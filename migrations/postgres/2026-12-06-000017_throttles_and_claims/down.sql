DROP TABLE job_claims;
DROP TABLE throttle_counts;
